// Engine::Impl: loads a checkpoint into the shared decoder and runs greedy generation with
// chunked prefill, a preallocated KV cache and the scored-query observer. The torch-free
// facade (engine.h) is all that callers see; c10::Error is translated to headscope::Error here.
#include "headscope/engine/engine.h"

#include "compress/cache_compressor.h"
#include "model/cpu_pool.h"
#include "model/decoder.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/compression.h"
#include "headscope/core/errors.h"
#include "headscope/core/runtime_setup.h"

#include <ATen/Context.h>  // at::hasCUDA
#include <ATen/Parallel.h> // at::set_num_threads

#include <chrono>
#include <optional>
#include <sstream>

namespace headscope {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Scores of a prefill block are [heads, block, keys] float32; keep them under
// kScoreBlockBytes (the memory estimate counts the same bound).
int64_t queryBlockFor(int64_t requested, int64_t heads, int64_t keys)
{
    const int64_t budget = kScoreBlockBytes / 4;
    const int64_t fit = std::max<int64_t>(16, budget / std::max<int64_t>(1, heads * keys));
    return std::max<int64_t>(1, std::min(requested, fit));
}

// Prefill chunk starts. With an observation window of w queries, the final chunk is made to
// hold at least the last w prompt positions, so their queries are all captured in one call.
std::vector<int64_t> chunkStarts(int64_t promptLen, int64_t chunk, int64_t window)
{
    std::vector<int64_t> starts;
    for (int64_t s = 0; s < promptLen; s += chunk)
        starts.push_back(s);
    const int64_t tail = promptLen - std::min(window, promptLen);
    if (window > 0 && starts.back() > tail) {
        while (!starts.empty() && starts.back() >= tail)
            starts.pop_back();
        starts.push_back(tail);
    }
    return starts;
}

// A small model's matrix products take microseconds: less than waking a second thread for each
// of them costs, and far less than it costs when the cores are shared and a sleeping worker
// waits for a time slice (measured on 2 shared cores: the demo model's 500-token prefill took
// 20-30 ms on one thread and 130-1700 ms on two). Below this many weight bytes per layer a
// model runs on the calling thread alone.
constexpr int64_t kParallelBytesPerLayer = int64_t(4) << 20;

// Sets the intra-op thread count for a scope and restores it on exit (also on exceptions).
class ThreadScope {
public:
    explicit ThreadScope(int threads) : m_saved(at::get_num_threads())
    {
        if (threads != m_saved)
            at::set_num_threads(threads);
    }
    ~ThreadScope()
    {
        if (at::get_num_threads() != m_saved)
            at::set_num_threads(m_saved);
    }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int m_saved;
};

model::HeadMask maskTable(const std::vector<HeadRef>& masked, const ModelConfig& c)
{
    model::HeadMask table(static_cast<std::size_t>(c.numLayers));
    for (const HeadRef& h : masked) {
        if (h.layer < 0 || h.layer >= c.numLayers || h.head < 0 || h.head >= c.numHeads)
            throw UsageError("masked head " + std::to_string(h.layer) + "-" + std::to_string(h.head) +
                             " is outside the model (" + std::to_string(c.numLayers) + " layers × " +
                             std::to_string(c.numHeads) + " heads)");
        table[static_cast<std::size_t>(h.layer)].push_back(h.head);
    }
    return table;
}

} // namespace

struct Engine::Impl {
    LoadOptions options;
    std::filesystem::path dir;
    ElementType storedDtype = ElementType::F32;
    double loadSeconds = 0.0;
    std::unique_ptr<model::Decoder> decoder;
    at::TensorOptions tensorOptions;

    model::ScoredQuery scoredQuery(ForwardObserver* observer, int step) const
    {
        model::ScoredQuery s;
        s.observer = observer;
        s.step = step;
        if (observer) {
            s.wanted.resize(kAllHookPoints.size());
            bool any = false;
            for (HookPoint p : kAllHookPoints) {
                s.wanted[static_cast<std::size_t>(p)] = observer->wants(p);
                any = any || observer->wants(p);
            }
            if (!any)
                s.wanted.clear();
            s.span = observer->attributionSpan();
        }
        return s;
    }

    GenerateResult generate(std::span<const int32_t> promptIds, const GenerateOptions& o, ForwardObserver* observer,
                            std::stop_token stop);

    bool inPlace() const { return model::usableInPlace(storedDtype, tensorOptions); }
    // Every thread for a model whose layers are large enough to share, else one. The embedding
    // table and lm_head do not count: a toy model with a real tokenizer's vocabulary is still a toy.
    int threads() const
    {
        const ModelConfig& c = decoder->config();
        const model::ModelWeights& w = decoder->weights();
        const int64_t vocabBytes = w.embed.numel() * w.embed.element_size() * (c.tieWordEmbeddings ? 1 : 2);
        const int64_t perLayer = (w.bytes - vocabBytes) / std::max<int64_t>(1, c.numLayers);
        return perLayer < kParallelBytesPerLayer ? 1 : at::get_num_threads();
    }
    // What a new allocation may take: the machine's available memory, and under a memory
    // limit what the limit leaves beside the `held` bytes (the loaded weights). `source`
    // names whichever bound applies, for the refusal message.
    struct Available {
        int64_t bytes;
        std::string source;
    };
    Available available(int64_t held) const
    {
        const int64_t machine = availableMemoryBytes();
        if (options.memoryLimit <= 0)
            return {machine, kMachineMemorySource};
        const int64_t left = std::max<int64_t>(0, options.memoryLimit - held);
        if (machine >= 0 && machine < left)
            return {machine, kMachineMemorySource};
        return {left, "memory limit " + formatBytes(options.memoryLimit) + (held > 0 ? " less the loaded weights" : "")};
    }
    std::string hint() const
    {
        return *options.dtype == DType::F32 ? "close other programs, use a shorter context, or compute in bf16 (--dtype bf16)"
                                             : "close other programs or use a shorter context";
    }
    RunMemoryEstimate estimate(const ModelConfig& c, int64_t context, int64_t prefillChunk) const
    {
        MemoryRequest r;
        r.storedElementBytes = static_cast<int>(elementSize(storedDtype));
        r.computeElementBytes = *options.dtype == DType::BF16 ? 2 : 4;
        r.weightsInPlace = inPlace();
        r.context = context;
        r.prefillChunk = prefillChunk;
        return estimateRunMemory(c, r);
    }
};

Engine::Engine() : m_impl(std::make_unique<Impl>()) {}
Engine::~Engine() = default;

bool Engine::cudaAvailable()
{
    return at::hasCUDA();
}

void Engine::load(const std::filesystem::path& checkpointDir, const LoadOptions& options)
{
    at::set_num_threads(options.threads > 0 ? options.threads : availableCores());
    at::Device device(at::kCPU);
    if (options.device == Device::Cuda) {
        if (!cudaAvailable())
            throw UsageError("--device cuda: this build's LibTorch has no CUDA support or no GPU is visible "
                             "(Debian's LibTorch is CPU-only; see README \"CUDA build\"); use --device cpu");
        device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(options.gpuIndex));
    }
    const auto t0 = Clock::now();
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->dir = checkpointDir;
    // Tensors stored in the compute dtype are views of this mapping and keep it alive; when
    // every tensor is converted, the mapping goes with the last reference below.
    auto checkpoint = std::make_shared<const Checkpoint>(Checkpoint::open(checkpointDir));
    impl->storedDtype = checkpoint->storedDtype();
    const DType dtype = options.dtype.value_or(defaultComputeDtype(checkpoint->config(), impl->storedDtype));
    impl->options.dtype = dtype;
    impl->tensorOptions = at::TensorOptions().device(device).dtype(dtype == DType::BF16 ? at::kBFloat16 : at::kFloat);
    if (options.checkMemory && device.is_cpu()) {
        const RunMemoryEstimate e = impl->estimate(checkpoint->config(), 0, 0);
        const Impl::Available a = impl->available(0);
        requireMemory(e.weightBytes + e.conversionBytes, a.bytes,
                      "loading " + checkpointDir.string() + " in " + std::string(dtypeName(dtype)),
                      e.describe(impl->inPlace()), impl->hint(), a.source);
    }
    try {
        auto weights = model::loadWeights(checkpoint, impl->tensorOptions);
        impl->decoder = std::make_unique<model::Decoder>(checkpoint->config(), std::move(weights), device);
    } catch (const c10::Error& e) {
        throw LoadError(checkpointDir.string() + ": converting weights failed: " + e.what_without_backtrace());
    }
    impl->loadSeconds = msSince(t0) / 1e3;
    m_impl = std::move(impl);
}

bool Engine::isLoaded() const
{
    return m_impl->decoder != nullptr;
}

const ModelConfig& Engine::config() const
{
    if (!isLoaded())
        throw UsageError("no model loaded");
    return m_impl->decoder->config();
}

const LoadOptions& Engine::loadOptions() const
{
    return m_impl->options;
}

DType Engine::computeDtype() const
{
    return m_impl->options.dtype.value_or(DType::F32);
}

int64_t Engine::mappedWeightBytes() const
{
    return isLoaded() ? m_impl->decoder->weights().mappedBytes : 0;
}

double Engine::loadSeconds() const
{
    return m_impl->loadSeconds;
}

RunMemoryEstimate Engine::memoryEstimate(int64_t context, int64_t prefillChunk) const
{
    if (!isLoaded())
        throw UsageError("memoryEstimate: no model loaded");
    return m_impl->estimate(config(), context, prefillChunk);
}

std::filesystem::path Engine::checkpointDir() const
{
    return m_impl->dir;
}

GeneratorIdentity Engine::identity() const
{
    return {m_impl->dir, std::string(deviceName(m_impl->options.device)), std::string(dtypeName(computeDtype()))};
}

std::string Engine::deviceDescription() const
{
    std::ostringstream os;
    os << deviceName(m_impl->options.device);
    if (m_impl->options.device == Device::Cpu)
        os << " (" << at::get_num_threads() << " threads)";
    else
        os << ":" << m_impl->options.gpuIndex;
    os << ", " << dtypeName(computeDtype());
    return os.str();
}

int64_t Engine::weightBytes() const
{
    return isLoaded() ? m_impl->decoder->weights().bytes : 0;
}

GenerateResult Engine::generate(std::span<const int32_t> promptIds, const GenerateOptions& options,
                                ForwardObserver* observer, std::stop_token stop)
{
    if (!isLoaded())
        throw UsageError("generate: no model loaded");
    try {
        return m_impl->generate(promptIds, options, observer, stop);
    } catch (const c10::Error& e) {
        throw Error(std::string("generation failed in LibTorch: ") + e.what_without_backtrace());
    }
}

GenerateResult Engine::Impl::generate(std::span<const int32_t> promptIds, const GenerateOptions& o,
                                      ForwardObserver* observer, std::stop_token stop)
{
    const ModelConfig& c = decoder->config();
    if (promptIds.empty())
        throw UsageError("generate: empty prompt");
    if (o.maxNewTokens < 1)
        throw UsageError("generate: max new tokens must be at least 1");
    for (int32_t id : promptIds) {
        if (id < 0 || id >= c.vocabSize)
            throw UsageError("generate: token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                             std::to_string(c.vocabSize - 1) + ")");
    }
    for (int32_t id : o.forcedTokens)
        if (id < 0 || id >= c.vocabSize)
            throw UsageError("generate: forced token id " + std::to_string(id) + " is outside the vocabulary");
    at::NoGradGuard noGrad;
    const ThreadScope threadScope(threads());
    const auto masked = maskTable(o.maskedHeads, c);
    const CompressionSpec* spec = o.compression.get();
    std::optional<BudgetPlan> plan; // at the stored granularity; validated before any work
    if (spec)
        plan = compress::storedPlan(*spec, c);
    const int64_t promptLen = static_cast<int64_t>(promptIds.size());
    const bool forced = !o.forcedTokens.empty();
    const int steps = forced ? std::min<int>(o.maxNewTokens, static_cast<int>(o.forcedTokens.size())) : o.maxNewTokens;
    // Longrope switches factor tables once the sequence passes the original context; keys
    // cached before the switch are then re-made (transformers drops its cache there too),
    // which a compressed cache, holding a selection of the prompt only, cannot do.
    const bool promptLongFactors = decoder->longRopeFactors(promptLen);
    if (spec && promptLongFactors != decoder->longRopeFactors(promptLen + steps - 1))
        throw UsageError("generate: the prompt (" + std::to_string(promptLen) + " tokens) plus " +
                         std::to_string(steps) + " new tokens crosses longrope's switch to the long factors at " +
                         std::to_string(c.ropeScaling.originalMaxPositionEmbeddings) +
                         " positions; a compressed cache cannot be re-made with them. Use a prompt longer than that, or "
                         "fewer new tokens");
    if (options.checkMemory && tensorOptions.device().is_cpu()) {
        // The weights are resident already: what this run adds is its KV cache and scratch.
        const RunMemoryEstimate e = estimate(c, promptLen + o.maxNewTokens, o.prefillChunk);
        const Available a = available(decoder->weights().bytes);
        requireMemory(e.kvCacheBytes + e.scratchBytes, a.bytes,
                      "generating over " + std::to_string(promptLen + o.maxNewTokens) + " positions",
                      "KV cache " + formatBytes(e.kvCacheBytes) + " + scratch " + formatBytes(e.scratchBytes), hint(),
                      a.source);
    }
    // A compressed run's full cache only lives through prefill; decode appends go to the
    // compressed cache's reserved room.
    auto prefillCaches = decoder->makeCaches(spec ? promptLen : promptLen + o.maxNewTokens);
    auto ids = at::tensor(std::vector<int64_t>(promptIds.begin(), promptIds.end()), at::kLong).to(tensorOptions.device());

    GenerateResult result;
    result.promptIds.assign(promptIds.begin(), promptIds.end());
    const auto t0 = Clock::now();
    const int64_t chunk = std::max<int64_t>(1, o.prefillChunk);
    model::WindowCapture capture;
    capture.size = spec ? spec->plan.window : 0;
    // Chunked prefill of `tokens` into `into`; the last position is the scored query of `step`.
    auto prefillAll = [&](const at::Tensor& tokens, model::FullCaches& into, int step, model::WindowCapture* keep) {
        const int64_t length = tokens.size(0);
        const auto starts = chunkStarts(length, chunk, keep ? keep->size : 0);
        at::Tensor last;
        for (std::size_t i = 0; i < starts.size(); ++i) {
            if (stop.stop_requested())
                throw CancelledError();
            const int64_t s = starts[i];
            const bool lastChunk = i + 1 == starts.size();
            const int64_t n = (lastChunk ? length : starts[i + 1]) - s;
            const model::ForwardHooks hooks{scoredQuery(lastChunk ? observer : nullptr, step), &masked};
            model::PrefillOptions prefill;
            prefill.queryBlock = queryBlockFor(chunk, c.numHeads, s + n);
            prefill.sequenceLength = length;
            prefill.capture = lastChunk ? keep : nullptr;
            last = decoder->prefill(tokens.narrow(0, s, n), into, hooks, prefill);
        }
        return last;
    };
    at::Tensor hidden = prefillAll(ids, prefillCaches, 0, spec ? &capture : nullptr);
    model::LayerCaches caches;
    if (spec) {
        auto compressed = compress::compressCaches(std::move(prefillCaches), capture.queries, *spec, *plan, c,
                                                   o.maxNewTokens,
                                                   [&](int64_t layer) { return decoder->attentionParams(layer); });
        caches = std::move(compressed.caches);
        result.keptPositions = std::move(compressed.keptPositions);
    } else {
        caches = model::decodeCaches(std::move(prefillCaches));
    }
    for (const auto& cache : caches)
        result.kvBytes += cache->storedBytes();

    auto isStop = [&](int32_t token) {
        for (int32_t t : o.stopTokens)
            if (t == token)
                return true;
        if (o.stopAtEos)
            for (int32_t t : c.eosTokenIds)
                if (t == token)
                    return true;
        return false;
    };

    Clock::time_point decodeStart;
    bool cacheLongFactors = promptLongFactors;
    std::vector<int64_t> fedIds; // prompt + fed tokens, kept only while a longrope switch may come
    if (!spec && cacheLongFactors != decoder->longRopeFactors(promptLen + steps - 1))
        fedIds.assign(promptIds.begin(), promptIds.end());
    // From here on each step is one row: the decode kernels share it among the threads, ATen
    // ops run on this thread (model/cpu_pool.h).
    const model::cpu::DecodeThreads decodeThreads(at::get_num_threads());
    for (int step = 0; step < steps; ++step) {
        if (stop.stop_requested())
            throw CancelledError();
        if (step > 0) {
            const int32_t fed = forced ? o.forcedTokens[static_cast<std::size_t>(step - 1)] : result.generatedIds.back();
            const int64_t sequence = promptLen + step;
            if (!fedIds.empty())
                fedIds.push_back(fed);
            if (decoder->longRopeFactors(sequence) != cacheLongFactors) {
                // Everything so far again, with the long factors, into fresh full caches.
                const ThreadScope prefillThreads(decodeThreads.threads());
                auto all = at::tensor(fedIds, at::kLong).to(tensorOptions.device());
                auto fresh = decoder->makeCaches(promptLen + o.maxNewTokens);
                hidden = prefillAll(all, fresh, step, nullptr);
                caches = model::decodeCaches(std::move(fresh));
                cacheLongFactors = !cacheLongFactors;
                fedIds.clear();
            } else {
                auto next = at::full({1}, static_cast<int64_t>(fed), ids.options());
                hidden = decoder->decode(next, caches, model::ForwardHooks{scoredQuery(observer, step), &masked});
            }
        }
        auto logits = decoder->logits(hidden, scoredQuery(observer, step)).squeeze(0); // [vocab] f32
        const auto token = static_cast<int32_t>(logits.argmax().item<int64_t>());
        if (observer)
            decoder->reportTokenReadout(hidden, token, scoredQuery(observer, step));
        if (o.keepLogProbs) {
            auto lp = at::log_softmax(logits, -1).to(at::kCPU).contiguous();
            result.stepLogProbs.emplace_back(lp.data_ptr<float>(), lp.data_ptr<float>() + lp.numel());
        }
        result.generatedIds.push_back(token);
        if (step == 0) {
            result.prefillMs = msSince(t0);
            decodeStart = Clock::now();
        }
        if (observer)
            observer->onStepComplete(step, token);
        if (o.onToken)
            o.onToken(step, token);
        if (!forced && isStop(token)) {
            result.stoppedOnToken = true;
            break;
        }
    }
    const auto decodeSteps = static_cast<double>(result.generatedIds.size() - 1);
    result.decodeMsPerToken = decodeSteps > 0 ? msSince(decodeStart) / decodeSteps : 0.0;
    return result;
}

std::vector<float> Engine::forwardLogits(std::span<const int32_t> ids)
{
    if (!isLoaded())
        throw UsageError("forwardLogits: no model loaded");
    if (ids.empty())
        throw UsageError("forwardLogits: empty input");
    try {
        at::NoGradGuard noGrad;
        const ThreadScope threadScope(m_impl->threads());
        const int64_t n = static_cast<int64_t>(ids.size());
        auto caches = m_impl->decoder->makeCaches(n);
        auto t = at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong).to(m_impl->tensorOptions.device());
        model::PrefillOptions whole;
        whole.queryBlock = n;
        whole.allPositions = true;
        auto hidden = m_impl->decoder->prefill(t, caches, {}, whole);
        auto logits = m_impl->decoder->logits(hidden, {}).to(at::kCPU).contiguous(); // [n, vocab]
        return std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    } catch (const c10::Error& e) {
        throw Error(std::string("forward pass failed in LibTorch: ") + e.what_without_backtrace());
    }
}

} // namespace headscope
