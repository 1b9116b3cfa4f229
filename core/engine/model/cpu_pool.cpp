#include "cpu_pool.h"

#include <algorithm>
#include <ATen/Parallel.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace headscope::model::cpu {

namespace {

inline void relax()
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

// A job's chunks are split into one contiguous range per thread, so each thread streams its
// part front to back (splitting work into interleaved small pieces breaks the hardware
// prefetchers' streams: 32 KiB pieces measured 40 % slower than halves); a thread that runs out
// takes chunks from the front of another's range. Each range is one 64-bit word — job tag
// (32 bits), next chunk (16), end (16) — claimed by compare-and-swap, so a helper still holding
// an older job's tag can never claim a chunk of a newer job.
constexpr int kMaxThreads = 64;
constexpr int kIndexBits = 16;
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
constexpr int64_t kMaxChunks = static_cast<int64_t>(kIndexMask); // per range

constexpr uint64_t wordOf(uint32_t tag, uint64_t next, uint64_t end)
{
    return (static_cast<uint64_t>(tag) << (2 * kIndexBits)) | (next << kIndexBits) | end;
}

// How long an idle helper polls for the next job before sleeping: a decode step's tasks come
// tens of microseconds apart, and waking a sleeping thread costs about as much.
constexpr auto kSpin = std::chrono::microseconds(300);

class Pool {
public:
    ~Pool()
    {
        m_stop.store(true);
        m_epoch.fetch_add(1);
        m_epoch.notify_all();
        for (std::thread& t : m_helpers)
            t.join();
    }

    // Called by one thread at a time; chunks <= threads * kMaxChunks.
    void run(int64_t chunks, int threads, ChunkTask task, const void* context)
    {
        threads = std::min(threads, kMaxThreads);
        grow(threads - 1);
        m_task.store(task, std::memory_order_relaxed);
        m_context.store(context, std::memory_order_relaxed);
        m_done.store(0, std::memory_order_relaxed);
        const uint32_t tag = ++m_tagValue;
        m_threads.store(threads, std::memory_order_relaxed);
        for (int r = 0; r < threads; ++r) {
            const auto begin = static_cast<uint64_t>(chunks * r / threads), end = static_cast<uint64_t>(chunks * (r + 1) / threads);
            m_ranges[r].word.store(wordOf(tag, begin, end), std::memory_order_release);
        }
        m_tag.store(tag); // publishes the fields above
        m_epoch.fetch_add(1);
        if (m_sleepers.load() > 0)
            m_epoch.notify_all();
        int64_t mine = 0;
        for (int64_t c; (c = claim(0, tag, threads)) >= 0; ++mine)
            task(context, c);
        // The rest were claimed by helpers that are running them.
        for (int spins = 0; m_done.load(std::memory_order_acquire) + mine < chunks; ++spins)
            spins < 4096 ? relax() : std::this_thread::yield();
    }

private:
    struct alignas(64) Range {
        std::atomic<uint64_t> word{0};
    };

    // The next chunk for thread `self` of job `tag`: from its own range, else from another's;
    // -1 when every range is used up (or the job is no longer `tag`).
    int64_t claim(int self, uint32_t tag, int threads)
    {
        for (int i = 0; i < threads; ++i) {
            Range& r = m_ranges[(self + i) % threads];
            uint64_t w = r.word.load(std::memory_order_acquire);
            for (;;) {
                const uint64_t next = (w >> kIndexBits) & kIndexMask, end = w & kIndexMask;
                if (static_cast<uint32_t>(w >> (2 * kIndexBits)) != tag || next >= end)
                    break;
                if (r.word.compare_exchange_weak(w, w + (uint64_t(1) << kIndexBits), std::memory_order_acq_rel,
                                                 std::memory_order_acquire))
                    return static_cast<int64_t>(next);
            }
        }
        return -1;
    }

    void grow(int helpers)
    {
        while (static_cast<int>(m_helpers.size()) < helpers) {
            const int index = static_cast<int>(m_helpers.size()) + 1; // thread 0 is the caller
            m_helpers.emplace_back([this, index] { helperLoop(index); });
        }
    }

    void helperLoop(int self)
    {
        uint32_t seen = m_epoch.load();
        while (!m_stop.load(std::memory_order_relaxed)) {
            const uint32_t tag = m_tag.load(std::memory_order_acquire);
            const int threads = m_threads.load(std::memory_order_relaxed);
            if (self < threads)
                for (int64_t c; (c = claim(self, tag, threads)) >= 0;) {
                    // The job cannot finish (and its fields change) before this chunk is done.
                    m_task.load(std::memory_order_relaxed)(m_context.load(std::memory_order_relaxed), c);
                    m_done.fetch_add(1, std::memory_order_release);
                }
            const auto until = std::chrono::steady_clock::now() + kSpin;
            for (int i = 0; m_epoch.load(std::memory_order_relaxed) == seen; ++i) {
                relax();
                if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) {
                    m_sleepers.fetch_add(1);
                    m_epoch.wait(seen);
                    m_sleepers.fetch_sub(1);
                }
            }
            seen = m_epoch.load();
        }
    }

    std::vector<std::thread> m_helpers;
    Range m_ranges[kMaxThreads];
    uint32_t m_tagValue = 0;
    std::atomic<uint32_t> m_tag{0};
    std::atomic<int> m_threads{0};
    std::atomic<ChunkTask> m_task{nullptr};
    std::atomic<const void*> m_context{nullptr};
    std::atomic<int64_t> m_done{0};
    std::atomic<uint32_t> m_epoch{0};
    std::atomic<int> m_sleepers{0};
    std::atomic<bool> m_stop{false};
};

std::mutex g_use; // one caller at a time; any other runs its chunks itself
thread_local int t_poolThreads = 0; // 0: ATen's count

Pool& pool()
{
    static Pool p;
    return p;
}

} // namespace

int poolThreads()
{
    return t_poolThreads > 0 ? t_poolThreads : at::get_num_threads();
}

DecodeThreads::DecodeThreads(int threads)
    : m_threads(std::max(1, threads)), m_savedPool(t_poolThreads), m_savedAten(at::get_num_threads())
{
    t_poolThreads = m_threads;
    if (m_savedAten != 1)
        at::set_num_threads(1);
}

DecodeThreads::~DecodeThreads()
{
    t_poolThreads = m_savedPool;
    if (at::get_num_threads() != m_savedAten)
        at::set_num_threads(m_savedAten);
}

void runChunks(int64_t chunks, int threads, ChunkTask task, const void* context)
{
    if (chunks <= 0)
        return;
    std::unique_lock lock(g_use, std::try_to_lock);
    if (threads <= 1 || chunks == 1 || !lock.owns_lock()) {
        for (int64_t c = 0; c < chunks; ++c)
            task(context, c);
        return;
    }
    threads = std::min<int>({threads, kMaxThreads, static_cast<int>(std::min<int64_t>(chunks, kMaxThreads))});
    Pool& p = pool();
    const int64_t perJob = kMaxChunks * threads;
    if (chunks <= perJob) {
        p.run(chunks, threads, task, context);
        return;
    }
    struct Offset {
        ChunkTask task;
        const void* context;
        int64_t first;
    };
    for (int64_t first = 0; first < chunks; first += perJob) {
        const Offset offset{task, context, first};
        p.run(std::min(perJob, chunks - first), threads, [](const void* c, int64_t i) {
            const auto* o = static_cast<const Offset*>(c);
            o->task(o->context, o->first + i);
        }, &offset);
    }
}

} // namespace headscope::model::cpu
