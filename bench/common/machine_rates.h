#pragma once
// What this machine does, measured by the benchmarks that compare with it in the same run:
// the GEMM rate of a dtype at a model's own matrix shape, and the memory read bandwidth.
#include <cstdint>

namespace headscope::bench {

// Best of 5 [m, k] × [k, n] products (LibTorch's at::linear) in bf16 or f32, GFLOP/s.
double gemmGflops(bool bf16, int64_t m, int64_t k, int64_t n);

// Best of 5 sums over 1 GiB (far beyond the caches): read bandwidth, GB/s.
double readGBps();

} // namespace headscope::bench
