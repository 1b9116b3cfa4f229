#include "machine_rates.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace headscope::bench {

namespace {

template <typename F>
double bestSeconds(int reps, F&& f)
{
    double best = 1e30;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

} // namespace

double gemmGflops(bool bf16, int64_t m, int64_t k, int64_t n)
{
    const at::ScalarType dtype = bf16 ? at::kBFloat16 : at::kFloat;
    auto a = at::randn({m, k}).to(dtype), b = at::randn({n, k}).to(dtype);
    auto c = at::linear(a, b);
    return 2.0 * static_cast<double>(m * k * n) / bestSeconds(5, [&] { c = at::linear(a, b); }) / 1e9;
}

double readGBps()
{
    const int64_t bytes = int64_t(1) << 30;
    auto src = at::ones({bytes / 4});
    return static_cast<double>(bytes) / bestSeconds(5, [&] { (void)src.sum().item<float>(); }) / 1e9;
}

} // namespace headscope::bench
