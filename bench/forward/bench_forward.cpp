// bench_forward: load time, prefill, decode and peak memory of the shared decoder at a named
// model shape, bf16 and f32 side by side, each read against what this machine does measured in
// the same run: the GEMM rate of each dtype at the model's own MLP shape, and the memory read
// bandwidth. Every dtype runs in its own process, so each peak RSS is its own.
//   usage: bench_forward [--shape toy|small|1b|3b|8b] [--contexts 1024,4096] [--f32-contexts 1024]
//                        [--new-tokens 16] [--dtypes bf16,f32] [--chunk 256]
// f32 runs at the real shapes take ~10x longer, so by default they use only the first context.
// Goals (docs/performance.md): bf16 prefill >= 60 % of the bf16 GEMM rate at 1K-8K tokens;
// decode <= 1.3x the weight-streaming bound at the 1B shape; the toy shape decodes in
// < 0.5 ms/token; peak RSS <= 1.2x weights + KV cache + the estimated scratch.
#include "../common/bench_shapes.h"
#include "../common/machine_rates.h"

#include "headscope/core/errors.h"
#include "headscope/core/memory_estimate.h"
#include "headscope/core/runtime_setup.h"
#include "headscope/engine/engine.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace headscope;
using namespace headscope::bench;

namespace {

std::vector<int32_t> promptOf(int length, int64_t vocab)
{
    std::vector<int32_t> ids(static_cast<std::size_t>(length));
    for (int i = 0; i < length; ++i)
        ids[static_cast<std::size_t>(i)] = static_cast<int32_t>((static_cast<int64_t>(i) * 7919 + 13) % vocab);
    return ids;
}

// The child: load in `dtype`, run each context once after a short warm-up, print key=value.
int child(const std::string& dir, const std::string& dtype, const std::vector<int>& contexts, int newTokens, int chunk)
{
    (void)at::ones({16}).sum().item<float>(); // the runtime's own pages (libraries, thread pool)
    std::printf("base_rss=%lld\n", bench::peakRssBytes());
    Engine engine;
    LoadOptions lo;
    lo.dtype = dtype == "bf16" ? DType::BF16 : DType::F32;
    try {
        engine.load(dir, lo);
    } catch (const ResourceError& e) {
        std::printf("refused=1\n");
        std::fprintf(stderr, "%s: %s\n", dtype.c_str(), e.what());
        return 0;
    }
    std::printf("load_s=%.4f weight_bytes=%lld mapped_bytes=%lld\n", engine.loadSeconds(),
                static_cast<long long>(engine.weightBytes()), static_cast<long long>(engine.mappedWeightBytes()));
    std::fflush(stdout);
    const int64_t vocab = engine.config().vocabSize;
    GenerateOptions o;
    o.maxNewTokens = newTokens;
    o.prefillChunk = chunk;
    engine.generate(promptOf(std::min(contexts.front(), 64), vocab), o); // warm-up: first-touch, JIT kernels
    for (int ctx : contexts) {
        const GenerateResult r = engine.generate(promptOf(ctx, vocab), o);
        std::printf("prefill_ms_%d=%.3f decode_ms_%d=%.4f kv_bytes_%d=%lld\n", ctx, r.prefillMs, ctx,
                    r.decodeMsPerToken, ctx, static_cast<long long>(r.kvBytes));
        std::fflush(stdout);
    }
    const RunMemoryEstimate e = engine.memoryEstimate(contexts.back() + newTokens, chunk);
    std::printf("peak_rss=%lld est_weights=%lld est_kv=%lld est_scratch=%lld\n", bench::peakRssBytes(),
                static_cast<long long>(e.weightBytes), static_cast<long long>(e.kvCacheBytes),
                static_cast<long long>(e.scratchBytes));
    return 0;
}

struct Rates {
    double gemm = 0, bandwidth = 0;
};

} // namespace

int main(int argc, char** argv)
{
    configureAllocator();
    if (argc == 7 && std::strcmp(argv[1], "--child") == 0) {
        try {
            return child(argv[2], argv[3], parseIntList(argv[4]), std::stoi(argv[5]), std::stoi(argv[6]));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_forward child: %s\n", e.what());
            return 1;
        }
    }
    std::string shape = "small";
    std::vector<int> contexts = {512, 2048}, f32Contexts;
    std::vector<std::string> dtypes = {"bf16", "f32"};
    int newTokens = 16, chunk = 256;
    bool contextsGiven = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--shape")
            shape = argv[i + 1];
        else if (a == "--contexts")
            contexts = parseIntList(argv[i + 1]), contextsGiven = true;
        else if (a == "--f32-contexts")
            f32Contexts = parseIntList(argv[i + 1]);
        else if (a == "--new-tokens")
            newTokens = std::stoi(argv[i + 1]);
        else if (a == "--dtypes")
            dtypes = parseWords(argv[i + 1]);
        else if (a == "--chunk")
            chunk = std::stoi(argv[i + 1]);
    }
    if (!contextsGiven && (shape == "1b" || shape == "3b" || shape == "8b"))
        contexts = {1024, 4096};
    if (!contextsGiven && shape == "toy")
        contexts = {16};
    const bool real = shape == "1b" || shape == "3b" || shape == "8b";
    if (f32Contexts.empty())
        f32Contexts = real ? std::vector<int>{contexts.front()} : contexts;
    at::set_num_threads(availableCores());
    const auto dir = shapeCheckpoint(shape);
    const ModelConfig c = Checkpoint::open(dir).config();
    const double L = static_cast<double>(c.numLayers), H = static_cast<double>(c.numHeads),
                 d = static_cast<double>(c.headDim);
    std::printf("model: %s shape, llama %lld layers, hidden %lld, %lld heads / %lld kv (head_dim %lld), "
                "intermediate %lld, vocab %lld%s, %.2f B parameters\n",
                shape.c_str(), static_cast<long long>(c.numLayers), static_cast<long long>(c.hiddenSize),
                static_cast<long long>(c.numHeads), static_cast<long long>(c.numKvHeads), static_cast<long long>(c.headDim),
                static_cast<long long>(c.intermediateSize), static_cast<long long>(c.vocabSize),
                c.tieWordEmbeddings ? " (tied)" : "", static_cast<double>(c.parameterCount()) / 1e9);
    std::printf("machine: %d threads; each dtype's GEMM rate ([1024 x %lld] x [%lld x %lld]) and the read bandwidth\n"
                "(sum over 1 GiB) are measured just before and after its run and averaged\n\n",
                at::get_num_threads(), static_cast<long long>(c.hiddenSize), static_cast<long long>(c.hiddenSize),
                static_cast<long long>(c.intermediateSize));

    auto listOf = [](const std::vector<int>& v) {
        std::string out;
        for (int x : v)
            out += (out.empty() ? "" : ",") + std::to_string(x);
        return out;
    };
    // Linear layers without the embedding lookup (the lm_head is applied to one row only).
    const double embed = static_cast<double>(c.vocabSize * c.hiddenSize);
    const double linearParams = static_cast<double>(c.parameterCount()) - embed - (c.tieWordEmbeddings ? 0.0 : embed);

    std::printf("%-5s %8s %10s %10s %9s %9s %11s %10s %9s\n", "dtype", "context", "prefill s", "tokens/s", "GFLOP/s",
                "of GEMM", "decode ms", "bound ms", "x bound");
    std::vector<std::string> memoryLines;
    for (const std::string& dtype : dtypes) {
        const std::vector<int>& runContexts = dtype == "f32" ? f32Contexts : contexts;
        const std::string contextList = listOf(runContexts);
        Rates before{gemmGflops(dtype == "bf16", 1024, c.hiddenSize, c.intermediateSize), readGBps()};
        const ChildOutput out = runChild(std::string(argv[0]) + " --child " + dir.string() + " " + dtype + " " +
                                         contextList + " " + std::to_string(newTokens) + " " + std::to_string(chunk));
        Rates after{gemmGflops(dtype == "bf16", 1024, c.hiddenSize, c.intermediateSize), readGBps()};
        const double gemm = 0.5 * (before.gemm + after.gemm), bw = 0.5 * (before.bandwidth + after.bandwidth);
        if (number(out, "refused", 0) == 1) {
            std::printf("%-5s refused by the memory check (see the message above)\n", dtype.c_str());
            continue;
        }
        if (number(out, "status") != 0 || !out.count("peak_rss")) {
            std::printf("%-5s child failed (status %s)\n", dtype.c_str(), out.count("status") ? out.at("status").c_str() : "?");
            continue;
        }
        const double weightBytes = number(out, "weight_bytes");
        const double elt = dtype == "bf16" ? 2.0 : 4.0;
        // A decode step streams every weight but the embedding table (one row is read) plus the cache.
        const double streamed = weightBytes - (c.tieWordEmbeddings ? 0.0 : embed * elt);
        for (int ctx : runContexts) {
            const std::string k = std::to_string(ctx);
            const double prefillS = number(out, "prefill_ms_" + k) / 1e3;
            const double n = ctx;
            const double flops = 2.0 * linearParams * n + 2.0 * L * H * d * n * n + 2.0 * embed;
            const double gflops = flops / prefillS / 1e9;
            const double decodeMs = number(out, "decode_ms_" + k);
            const double boundMs = (streamed + number(out, "kv_bytes_" + k)) / (bw * 1e9) * 1e3;
            std::printf("%-5s %8d %10.3f %10.0f %9.1f %8.0f%% %11.2f %10.2f %8.2fx\n", dtype.c_str(), ctx, prefillS,
                        n / prefillS, gflops, 100.0 * gflops / gemm, decodeMs, boundMs, decodeMs / boundMs);
        }
        std::printf("%-5s GEMM %.1f GFLOP/s (before %.1f, after %.1f), read bandwidth %.1f GB/s\n", dtype.c_str(), gemm,
                    before.gemm, after.gemm, bw);
        const double peak = number(out, "peak_rss"), kv = number(out, "est_kv"), scratch = number(out, "est_scratch");
        const double base = number(out, "base_rss");
        char line[512];
        std::snprintf(line, sizeof line, "%-5s %8.3f %9.3f %7.0f%% %8.3f %8.3f %8.3f %9.3f %7.2f %9.2f", dtype.c_str(),
                      number(out, "load_s"), weightBytes / 1e9, 100.0 * number(out, "mapped_bytes") / weightBytes,
                      kv / 1e9, scratch / 1e9, base / 1e9, peak / 1e9, peak / weightBytes,
                      peak / (1.2 * weightBytes + kv + scratch + base));
        memoryLines.push_back(line);
    }
    std::printf("\nmemory at the longest context (GB); budget = 1.2 x weights + KV cache + estimated scratch + runtime\n"
                "(runtime: the process's RSS before loading — libraries and thread pools)\n");
    std::printf("%-5s %8s %9s %8s %8s %8s %8s %9s %7s %9s\n", "dtype", "load s", "weights", "mapped", "KV", "scratch",
                "runtime", "peak RSS", "peak/W", "of budget");
    for (const std::string& l : memoryLines)
        std::printf("%s\n", l.c_str());
    std::printf("\nof GEMM = prefill FLOP rate (linear layers + causal attention) / the same dtype's GEMM rate.\n"
                "x bound = decode ms/token / ((streamed weights + KV bytes) / read bandwidth); 1.0x is the limit.\n");
    return 0;
}
