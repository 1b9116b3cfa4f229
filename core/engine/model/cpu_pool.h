#pragma once
// The worker threads of the decode kernels (one-row Linear, decode attention). A decode step is
// a hundred or more short memory-bound tasks of tens of microseconds to a few milliseconds; on
// a fork-join pool (ATen's OpenMP) every one ends at a barrier where the fastest thread waits
// for the slowest, and a thread the OS has descheduled for a moment (another process on a
// shared core) stalls the whole step. Here a task is a list of chunks that threads claim one at
// a time from a shared counter: the caller always works, helpers join when they are running,
// and the caller waits only for chunks a helper has started, never for a helper to wake up.
// Results never depend on which thread ran a chunk (each chunk writes its own outputs).
#include <cstdint>

namespace headscope::model::cpu {

// The threads the decode kernels share their work among on the calling thread: those of the
// innermost DecodeThreads alive on it, else ATen's intra-op thread count.
int poolThreads();

// For its lifetime on the calling thread, the decode kernels use `threads` threads while ATen's
// own parallel regions run on the calling thread alone. A decode step's ATen operations
// (logits conversion, argmax, residual adds) are small; sharing them wakes ATen's OpenMP
// workers, which then spin for milliseconds on the very cores the pool's helpers need.
class DecodeThreads {
public:
    explicit DecodeThreads(int threads);
    ~DecodeThreads();
    DecodeThreads(const DecodeThreads&) = delete;
    DecodeThreads& operator=(const DecodeThreads&) = delete;
    int threads() const { return m_threads; }

private:
    int m_threads, m_savedPool, m_savedAten;
};

// Calls task(context, chunk) for every chunk in [0, chunks), on the calling thread and on up to
// threads - 1 helper threads (threads <= 1: all on the calling thread). Returns when every
// chunk has finished. Not reentrant: a task must not call runChunks.
using ChunkTask = void (*)(const void* context, int64_t chunk);
void runChunks(int64_t chunks, int threads, ChunkTask task, const void* context);

// The same for a callable f(chunk).
template <typename F>
void runChunks(int64_t chunks, int threads, const F& f)
{
    runChunks(chunks, threads, [](const void* c, int64_t i) { (*static_cast<const F*>(c))(i); }, &f);
}

} // namespace headscope::model::cpu
