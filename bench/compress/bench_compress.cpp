// bench_compress: what the SnapKV-style compressed cache saves and costs. For each context, one
// full-cache run and one compressed run per layout (GQA-native KV heads, HeadKV's query-head
// layout) at a uniform budget, printing the K/V bytes held after prefill, decode ms/token, the
// byte ratios and whether the bytes equal the plan's estimate. Then a decode-speed comparison at
// context = budget (nothing is dropped): full vs compressed, median of alternating repetitions.
// Every ratio is measured in this run on this machine; nothing is asserted about timings.
//   usage: bench_compress [--contexts 4096,16384,32768] [--new-tokens 16] [--budget 128]
//                         [--window 8] [--equal-steps 64] [--reps 5] [--layers 2]
// Goals (issue): >= 100x fewer bytes at budget 128 and 32K context; a decode step on the
// compressed cache <= 1.1x a full-cache step at context = budget.
#include "headscope/core/allocator.h"
#include "headscope/core/budget_plan.h"
#include "headscope/core/checkpoint.h"
#include "headscope/core/compression.h"
#include "headscope/engine/engine.h"
#include "headscope/core/model_config.h"
#include "headscope/core/runtime_setup.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace headscope;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<int> parseList(const std::string& s)
{
    std::vector<int> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        out.push_back(std::stoi(item));
    return out;
}

std::vector<int32_t> promptOf(int length, int64_t vocab)
{
    std::vector<int32_t> ids(static_cast<std::size_t>(length));
    for (int i = 0; i < length; ++i)
        ids[static_cast<std::size_t>(i)] = static_cast<int32_t>((static_cast<int64_t>(i) * 37 + 11) % vocab);
    return ids;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mib(int64_t bytes)
{
    return static_cast<double>(bytes) / 1048576.0;
}

// Per-step decode times from onToken timestamps: the median resists bursts of load from other
// processes better than the engine's mean over all steps.
struct StepTimer {
    std::vector<Clock::time_point> stamps;
    void attach(GenerateOptions& o)
    {
        stamps.clear();
        stamps.reserve(static_cast<std::size_t>(o.maxNewTokens));
        o.onToken = [this](int, int32_t) { stamps.push_back(Clock::now()); };
    }
    double medianStepMs() const
    {
        std::vector<double> ms;
        for (std::size_t i = 1; i < stamps.size(); ++i)
            ms.push_back(std::chrono::duration<double, std::milli>(stamps[i] - stamps[i - 1]).count());
        return ms.empty() ? 0.0 : median(ms);
    }
};

struct Variant {
    const char* name;
    std::shared_ptr<const CompressionSpec> spec; // null: full cache
};

int run(int argc, char** argv)
{
    std::vector<int> contexts = {4096, 16384, 32768};
    int newTokens = 16;
    int64_t budget = 128;
    int window = 8;
    int equalSteps = 64;
    int reps = 5;
    int layers = 2;
    for (int i = 1; i < argc; i += 2) {
        const std::string a = argv[i];
        if (i + 1 >= argc) {
            std::fprintf(stderr, "bench_compress: %s needs a value\n", a.c_str());
            return 2;
        }
        const std::string v = argv[i + 1];
        if (a == "--contexts")
            contexts = parseList(v);
        else if (a == "--new-tokens")
            newTokens = std::stoi(v);
        else if (a == "--budget")
            budget = std::stoll(v);
        else if (a == "--window")
            window = std::stoi(v);
        else if (a == "--equal-steps")
            equalSteps = std::stoi(v);
        else if (a == "--reps")
            reps = std::stoi(v);
        else if (a == "--layers")
            layers = std::stoi(v);
        else {
            std::fprintf(stderr, "bench_compress: unknown option %s\n", a.c_str());
            return 2;
        }
    }

    // A small Llama-shaped model: the byte ratios do not depend on depth or width, and 32K
    // prefills (three per context: full and two layouts) must fit a few minutes on 2 cores.
    TestModelSpec ms;
    ms.layers = layers;
    ms.hidden = 256;
    ms.heads = 8;
    ms.kvHeads = 2;
    ms.intermediate = 768;
    ms.vocab = 4096;
    ms.seed = 5;
    const auto dir = std::filesystem::temp_directory_path() / "headscope-bench-compress";
    writeTestModel(ms, dir);
    Engine engine;
    engine.load(dir);
    const ModelConfig& c = engine.config();
    const ModelDims dims = modelDims(c);
    std::printf("model: llama %lld layers, hidden %lld, %lld query heads / %lld kv heads (head dim %lld), "
                "intermediate %lld, vocab %lld, f32 weights %.1f MB; %s\n",
                static_cast<long long>(c.numLayers), static_cast<long long>(c.hiddenSize),
                static_cast<long long>(c.numHeads), static_cast<long long>(c.numKvHeads),
                static_cast<long long>(c.headDim), static_cast<long long>(c.intermediateSize),
                static_cast<long long>(c.vocabSize), static_cast<double>(engine.weightBytes()) / 1e6,
                engine.deviceDescription().c_str());
    std::printf("(smaller than bench_forward's 8 layers / hidden 512 / vocab 32000 so nine prefills up to 32K fit a\n"
                " few minutes on 2 cores; byte ratios do not depend on depth or width)\n");

    AllocationParams params;
    params.baseCapacity = budget;
    params.window = window;
    const BudgetPlan plan = allocateUniform(static_cast<int>(c.numLayers), static_cast<int>(c.numHeads), params);

    auto makeSpec = [&](CacheLayout layout) {
        auto s = std::make_shared<CompressionSpec>();
        s->plan = plan;
        s->layout = layout;
        s->pooling = Pooling::Max;
        s->poolingKernel = 7;
        return std::shared_ptr<const CompressionSpec>(s);
    };
    const auto gqaSpec = makeSpec(CacheLayout::GqaFlattened);
    const auto qhSpec = makeSpec(CacheLayout::QueryHeadFlattened);
    std::printf("compression: uniform budget %lld per head (%lld selected + window %d), %s\n",
                static_cast<long long>(budget), static_cast<long long>(budget - window), window,
                gqaSpec->describe().c_str());

    {   // warm-up: first-touch allocations and lazy init, not measured
        GenerateOptions o;
        o.maxNewTokens = 4;
        engine.generate(promptOf(256, c.vocabSize), o);
        o.compression = gqaSpec;
        engine.generate(promptOf(256, c.vocabSize), o);
    }

    std::printf("\nKV bytes held after prefill and decode ms/token (%d new tokens), f32 K/V\n", newTokens);
    std::printf("%8s %-12s %14s %11s %11s %10s %10s %10s %10s  %s\n", "context", "cache", "K/V bytes", "K/V MiB",
                "full/this", "gqa/qh", "mean ms", "median ms", "prefill s", "vs plan");
    bool allMatch = true;
    double ratioAt32k = 0.0;
    for (int ctx : contexts) {
        const auto prompt = promptOf(ctx, c.vocabSize);
        const Variant variants[] = {{"full", nullptr}, {"gqa-native", gqaSpec}, {"query-head", qhSpec}};
        GenerateResult results[3];
        double stepMs[3] = {};
        for (int v = 0; v < 3; ++v) {
            GenerateOptions o;
            o.maxNewTokens = newTokens;
            o.prefillChunk = 512;
            o.compression = variants[v].spec;
            StepTimer timer;
            timer.attach(o);
            results[v] = engine.generate(prompt, o);
            stepMs[v] = timer.medianStepMs();
        }
        const int64_t full = results[0].kvBytes;
        for (int v = 0; v < 3; ++v) {
            const GenerateResult& r = results[v];
            std::string check;
            if (v == 0) {
                const int64_t expect = estimateMemory(plan, dims, CacheLayout::GqaFlattened, KvDtype::F32, ctx).fullCacheBytes;
                check = r.kvBytes == expect ? "= L x kv x ctx x d x 2 x 4"
                                            : "MISMATCH: full cache formula gives " + std::to_string(expect);
                allMatch = allMatch && r.kvBytes == expect;
            } else {
                const CacheLayout layout = v == 1 ? CacheLayout::GqaFlattened : CacheLayout::QueryHeadFlattened;
                const MemoryEstimate est = estimateMemory(plan, dims, layout, KvDtype::F32, ctx);
                if (r.kvBytes == est.kvBytes)
                    check = "matches plan (" + std::to_string(est.storedTokens) + " tokens; +" +
                            std::to_string(est.metadataBytes) + " B head_lens/cu_klen metadata)";
                else
                    check = "MISMATCH: plan estimates " + std::to_string(est.kvBytes) + " K/V bytes (" +
                            std::to_string(est.totalBytes) + " with metadata)";
                allMatch = allMatch && r.kvBytes == est.kvBytes;
            }
            const double fullOver = r.kvBytes > 0 ? static_cast<double>(full) / static_cast<double>(r.kvBytes) : 0.0;
            char gqaQh[32] = "";
            if (v == 1 && results[2].kvBytes > 0)
                std::snprintf(gqaQh, sizeof gqaQh, "%.3f", static_cast<double>(results[1].kvBytes) /
                                                               static_cast<double>(results[2].kvBytes));
            std::printf("%8d %-12s %14lld %11.3f %10.1fx %10s %10.2f %10.2f %10.2f  %s\n", ctx, variants[v].name,
                        static_cast<long long>(r.kvBytes), mib(r.kvBytes), fullOver, gqaQh, r.decodeMsPerToken,
                        stepMs[v], r.prefillMs / 1e3, check.c_str());
            std::fflush(stdout);
        }
        if (ctx == 32768 && results[1].kvBytes > 0)
            ratioAt32k = static_cast<double>(full) / static_cast<double>(results[1].kvBytes);
    }
    std::printf("\nfull/this = full-cache K/V bytes / this cache's; gqa/qh = GQA-native bytes / query-head layout bytes\n"
                "(the query-head layout stores every KV head once per query head of its group: %lldx).\n"
                "mean ms = engine's decode ms/token; median ms = median single decode step (onToken timestamps).\n",
                static_cast<long long>(c.groupSize()));
    if (ratioAt32k > 0.0)
        std::printf("goal >= 100x fewer bytes at budget %lld, 32K context (GQA-native): %.1fx -> %s\n",
                    static_cast<long long>(budget), ratioAt32k, ratioAt32k >= 100.0 ? "met" : "NOT met");
    std::printf("compressed bytes vs plan estimate: %s\n", allMatch ? "all match" : "MISMATCH (see table)");

    // Context = budget: the compressed cache keeps every prompt token, so both runs attend over
    // the same keys and only the cache's decode path differs.
    const int equalCtx = static_cast<int>(budget);
    const auto prompt = promptOf(equalCtx, c.vocabSize);
    std::vector<double> fullMs, gqaMs, qhMs, fullMean, gqaMean, qhMean;
    GenerateResult lastFull, lastGqa, lastQh;
    StepTimer timer;
    for (int r = 0; r < reps; ++r) {
        GenerateOptions o;
        o.maxNewTokens = equalSteps + 1; // the first token ends prefill; equalSteps timed steps follow
        timer.attach(o);
        lastFull = engine.generate(prompt, o);
        fullMs.push_back(timer.medianStepMs());
        o.compression = gqaSpec;
        timer.attach(o);
        lastGqa = engine.generate(prompt, o);
        gqaMs.push_back(timer.medianStepMs());
        o.compression = qhSpec;
        timer.attach(o);
        lastQh = engine.generate(prompt, o);
        qhMs.push_back(timer.medianStepMs());
        fullMean.push_back(lastFull.decodeMsPerToken);
        gqaMean.push_back(lastGqa.decodeMsPerToken);
        qhMean.push_back(lastQh.decodeMsPerToken);
    }
    const double f = median(fullMs), g = median(gqaMs), q = median(qhMs);
    const double fm = median(fullMean), gm = median(gqaMean), qm = median(qhMean);
    std::printf("\ncontext = budget = %d tokens, %d decode steps, median over %d alternating repetitions\n", equalCtx,
                equalSteps, reps);
    std::printf("%-12s %14s %10s %10s %12s %10s\n", "cache", "K/V bytes", "median ms", "vs full", "mean ms", "vs full");
    std::printf("%-12s %14lld %10.3f %10s %12.3f %10s\n", "full", static_cast<long long>(lastFull.kvBytes), f, "1.000", fm,
                "1.000");
    std::printf("%-12s %14lld %10.3f %10.3f %12.3f %10.3f\n", "gqa-native", static_cast<long long>(lastGqa.kvBytes), g,
                g / f, gm, gm / fm);
    std::printf("%-12s %14lld %10.3f %10.3f %12.3f %10.3f\n", "query-head", static_cast<long long>(lastQh.kvBytes), q,
                q / f, qm, qm / fm);
    const bool sameTokens = lastGqa.generatedIds == lastFull.generatedIds && lastQh.generatedIds == lastFull.generatedIds;
    std::printf("generated tokens identical to the full cache: %s\n", sameTokens ? "yes" : "no");
    std::printf("goal: a compressed decode step <= 1.1x a full-cache step at context = budget (GQA-native, median step):"
                " %.3fx -> %s\n",
                g / f, g / f <= 1.1 ? "met" : "NOT met");

    std::filesystem::remove_all(dir);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    configureAllocator();
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_compress: %s\n", e.what());
        return 1;
    }
}
