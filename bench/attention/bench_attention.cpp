// bench_attention: the fused CPU attention kernels alone, at a real model's head shape, read
// against what this machine does measured in the same run.
//   prefill — one prefill chunk of `--chunk` queries (the decoder's default 256) at the end of
//             a prompt of each context: FLOP rate of Q·Kᵀ and P·V (causal, as bench_forward
//             counts them) as a fraction of the same dtype's GEMM rate at the model's MLP shape;
//   decode  — one query per head over the whole cache, ms per layer against the time to read
//             that layer's K and V once at the read bandwidth measured in the same run.
//   usage: bench_attention [--heads 32] [--kv-heads 8] [--head-dim 64] [--contexts 1024,4096,8192]
//                          [--chunk 256] [--dtypes bf16,f32] [--hidden 2048] [--intermediate 8192]
//                          [--threads N (default: the cores this process may use)]
// Defaults are the Llama-3.2-1B shape (docs/performance.md says why attention decides the
// prefill rate at long contexts).
#include "../common/bench_shapes.h"
#include "../common/machine_rates.h"

#include "headscope/core/runtime_setup.h"

#include "model/attention.h"
#include "model/cpu_pool.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace headscope;
using bench::gemmGflops;
using bench::readGBps;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Best of `reps` runs of f, seconds.
template <typename F>
double best(int reps, F&& f)
{
    double b = 1e30;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = Clock::now();
        f();
        b = std::min(b, seconds(t0));
    }
    return b;
}

} // namespace

int main(int argc, char** argv)
{
    int64_t heads = 32, kvHeads = 8, d = 64, chunk = 256, hidden = 2048, intermediate = 8192;
    std::vector<int> contexts = {1024, 4096, 8192};
    std::vector<std::string> dtypes = {"bf16", "f32"};
    int threads = availableCores();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--heads")
            heads = std::stoll(v);
        else if (a == "--kv-heads")
            kvHeads = std::stoll(v);
        else if (a == "--head-dim")
            d = std::stoll(v);
        else if (a == "--chunk")
            chunk = std::stoll(v);
        else if (a == "--hidden")
            hidden = std::stoll(v);
        else if (a == "--intermediate")
            intermediate = std::stoll(v);
        else if (a == "--threads")
            threads = std::stoi(v);
        else if (a == "--contexts")
            contexts = bench::parseIntList(v);
        else if (a == "--dtypes")
            dtypes = bench::parseWords(v);
        else {
            std::fprintf(stderr, "bench_attention: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (threads <= 0) {
        std::fprintf(stderr, "bench_attention: --threads must be positive\n");
        return 2;
    }
    at::set_num_threads(threads);
    if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || d <= 0 || chunk <= 0) {
        std::fprintf(stderr, "bench_attention: heads must be a positive multiple of kv-heads, head-dim and chunk positive\n");
        return 2;
    }
    const double bandwidth = readGBps();
    std::printf("shape: %lld heads, %lld KV heads, head_dim %lld, prefill chunk %lld; %d threads; read bandwidth %.1f GB/s\n",
                static_cast<long long>(heads), static_cast<long long>(kvHeads), static_cast<long long>(d),
                static_cast<long long>(chunk), threads, bandwidth);
    std::printf("%-5s %8s %12s %12s %9s %14s %12s %9s\n", "dtype", "context", "prefill ms", "GFLOP/s", "of GEMM",
                "decode ms/layer", "bound ms", "x bound");
    for (const std::string& name : dtypes) {
        const at::ScalarType dtype = name == "bf16" ? at::kBFloat16 : at::kFloat;
        const double gemm = gemmGflops(name == "bf16", 1024, hidden, intermediate);
        for (int ctx : contexts) {
            const int64_t n = std::min<int64_t>(chunk, ctx), start = ctx - n;
            // The cache as the decoder holds it: [KV, capacity, d] with room for new tokens.
            auto kCache = at::randn({kvHeads, ctx + 16, d}).to(dtype), vCache = at::randn({kvHeads, ctx + 16, d}).to(dtype);
            auto k = kCache.narrow(1, 0, ctx), v = vCache.narrow(1, 0, ctx); // [KV, T, d]
            auto q = at::randn({heads, n, d}).to(dtype);                        // [H, n, d]
            model::AttentionParams params{1.0 / std::sqrt(static_cast<double>(d)), 0};
            at::Tensor out;
            const double prefillS = best(3, [&] { out = model::blockedAttention(q, k, v, start, 64, params); });
            // Causal: query i sees start + i + 1 keys; Q·Kᵀ and P·V are 2 FLOPs per multiply-add each.
            const double pairs = static_cast<double>(n) * static_cast<double>(start) + 0.5 * static_cast<double>(n) * (n + 1);
            const double gflops = 4.0 * static_cast<double>(heads * d) * pairs / prefillS / 1e9;
            auto q1 = at::randn({heads, d}).to(dtype); // [H, d]
            // OpenMP's workers spin for a while after the prefill's parallel loops, on the core the
            // decode kernel's helper needs (a generate's first decode steps pay the same, once).
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            const model::cpu::DecodeThreads decodeThreads(threads);
            const double decodeS = best(20, [&] { out = model::decodeAttention(q1, k, v, params, nullptr); });
            const double boundS = 2.0 * static_cast<double>(kvHeads * ctx * d * kCache.element_size()) / (bandwidth * 1e9);
            std::printf("%-5s %8d %12.2f %12.1f %8.0f%% %14.3f %12.3f %8.2fx\n", name.c_str(), ctx, prefillS * 1e3, gflops,
                        100.0 * gflops / gemm, decodeS * 1e3, boundS * 1e3, decodeS / boundS);
        }
        std::printf("%-5s GEMM rate at [1024 x %lld] x [%lld x %lld]: %.0f GFLOP/s\n", name.c_str(),
                    static_cast<long long>(hidden), static_cast<long long>(hidden), static_cast<long long>(intermediate), gemm);
    }
    std::printf("of GEMM = attention FLOP rate / the GEMM rate; x bound = decode time / (K and V bytes / read bandwidth).\n"
                "Decode reads K and V once per layer, so its bound is bandwidth; at these sizes a layer's cache may sit\n"
                "in the caches, which is why x bound can fall below 1.\n");
    return 0;
}
