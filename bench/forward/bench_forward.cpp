// bench_forward: prefill tokens/s and decode ms/token of the shared decoder on a Llama-shaped
// random model, printed beside the machine's f32 GEMM rate and copy bandwidth measured in the
// same run, so the numbers read as fractions of what the hardware does.
//   usage: bench_forward [--contexts 512,2048,8192] [--new-tokens 16]
#include "headscope/core/checkpoint.h"
#include "headscope/engine/engine.h"
#include "headscope/core/runtime_setup.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace headscope;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double gemmGflops(int n)
{
    auto a = at::randn({n, n}), b = at::randn({n, n}), c = at::empty({n, n});
    at::mm_out(c, a, b);
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        const auto t0 = Clock::now();
        at::mm_out(c, a, b);
        best = std::min(best, seconds(t0));
    }
    return 2.0 * n * n * static_cast<double>(n) / best / 1e9;
}

double copyGBps(int64_t bytes)
{
    auto src = at::ones({bytes / 4}), dst = at::empty({bytes / 4});
    dst.copy_(src);
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        const auto t0 = Clock::now();
        dst.copy_(src);
        best = std::min(best, seconds(t0));
    }
    return 2.0 * static_cast<double>(bytes) / best / 1e9; // read + write
}

std::vector<int> parseList(const std::string& s)
{
    std::vector<int> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        out.push_back(std::stoi(item));
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    configureAllocator();
    at::set_num_threads(availableCores());
    std::vector<int> contexts = {512, 2048, 8192};
    int newTokens = 16;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--contexts")
            contexts = parseList(argv[i + 1]);
        else if (a == "--new-tokens")
            newTokens = std::stoi(argv[i + 1]);
    }

    const double gemm = gemmGflops(1024);
    const double copy = copyGBps(int64_t(256) << 20);
    std::printf("machine: %d threads, f32 GEMM (1024^3) %.1f GFLOP/s, copy bandwidth %.1f GB/s (read+write)\n",
                at::get_num_threads(), gemm, copy);

    TestModelSpec spec;
    spec.layers = 8;
    spec.hidden = 512;
    spec.heads = 8;
    spec.kvHeads = 2;
    spec.intermediate = 1536;
    spec.vocab = 32000;
    spec.seed = 1;
    const auto dir = std::filesystem::temp_directory_path() / "headscope-bench-forward";
    writeTestModel(spec, dir);
    Engine engine;
    engine.load(dir);
    const ModelConfig& c = engine.config();
    const double d = static_cast<double>(c.headDim), L = static_cast<double>(c.numLayers);
    const double linearParams = static_cast<double>(c.parameterCount() - 2 * c.vocabSize * c.hiddenSize); // without embed & lm_head
    std::printf("model: llama %lld layers, hidden %lld, %lld heads / %lld kv, intermediate %lld, vocab %lld, f32 weights %.1f MB\n",
                static_cast<long long>(c.numLayers), static_cast<long long>(c.hiddenSize), static_cast<long long>(c.numHeads),
                static_cast<long long>(c.numKvHeads), static_cast<long long>(c.intermediateSize),
                static_cast<long long>(c.vocabSize), static_cast<double>(engine.weightBytes()) / 1e6);
    std::printf("\n%8s %12s %12s %12s %14s %12s %12s\n", "context", "prefill s", "tokens/s", "GFLOP/s", "of GEMM rate",
                "decode ms", "vs bound");
    for (int ctx : contexts) {
        std::vector<int32_t> prompt(static_cast<std::size_t>(ctx));
        for (int i = 0; i < ctx; ++i)
            prompt[static_cast<std::size_t>(i)] = (i * 7919 + 13) % static_cast<int>(c.vocabSize);
        GenerateOptions o;
        o.maxNewTokens = newTokens;
        o.prefillChunk = 512;
        engine.generate(std::vector<int32_t>(prompt.begin(), prompt.begin() + std::min(ctx, 64)), o); // warm-up
        const GenerateResult r = engine.generate(prompt, o);
        const double n = ctx;
        // Linear layers 2·P·n, attention QKᵀ and AV over the causal half: 2·2·L·H·d·n²/2, plus one lm_head row.
        const double flops = 2.0 * linearParams * n + 2.0 * L * static_cast<double>(c.numHeads) * d * n * n +
                             2.0 * static_cast<double>(c.hiddenSize * c.vocabSize);
        const double prefillS = r.prefillMs / 1e3;
        const double gflops = flops / prefillS / 1e9;
        // A decode step must stream every weight but the embedding table (one row is read),
        // plus the K/V cache, once.
        const double embedBytes = c.tieWordEmbeddings ? 0.0 : static_cast<double>(c.vocabSize * c.hiddenSize * 4);
        const double bytes = static_cast<double>(engine.weightBytes()) - embedBytes + static_cast<double>(r.kvBytes);
        const double boundMs = bytes / (copy / 2.0 * 1e9) * 1e3; // read bandwidth ≈ half of read+write copy rate
        std::printf("%8d %12.3f %12.0f %12.1f %13.0f%% %12.2f %11.1fx\n", ctx, prefillS, n / prefillS, gflops,
                    100.0 * gflops / gemm, r.decodeMsPerToken, r.decodeMsPerToken / boundMs);
    }
    std::printf("\nvs bound = decode ms/token ÷ (weights + KV bytes) / read bandwidth; 1.0x is the streaming limit.\n");
    std::filesystem::remove_all(dir);
    return 0;
}
