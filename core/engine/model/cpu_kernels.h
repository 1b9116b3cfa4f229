#pragma once
// Fused CPU kernels for the decoder's element-wise steps, one pass over memory each instead of
// a chain of ATen ops (each of which allocates, dispatches and reads its input again — the
// fixed per-token cost that dominates small models). Float32 arithmetic whatever the storage
// dtype (bf16 or f32), one rounding at the end. AVX-512 where the CPU has it, plain loops
// otherwise. Each returns an undefined tensor when it does not handle the inputs (not a CPU
// tensor, another dtype) and the caller keeps its ATen expression.
#include <ATen/ATen.h>

#include <initializer_list>
#include <vector>

namespace headscope::model::cpu {

// RMSNorm with float32 statistics, as HF's LlamaRMSNorm: weight * (x / rms(x)) with the
// normalised value rounded to x's dtype before the product. x [n, hidden], weight [hidden].
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

// Rotary embedding of a projection x [n, heads * d] (rows at any stride) at positions
// [start, start + n), written head-major: [heads, n, d]. cosHalf, sinHalf float32 [≥ start + n, d/2].
at::Tensor rotaryToHeads(const at::Tensor& x, int64_t heads, int64_t start, const at::Tensor& cosHalf,
                         const at::Tensor& sinHalf);

// silu(gate) * up, gate and up [n, intermediate] (rows at any stride), result contiguous.
at::Tensor swiglu(const at::Tensor& gate, const at::Tensor& up);

// One row through a Linear layer: x [1, in] · weightᵀ (+ bias) with weight [out, in] as stored
// (row-major, e.g. a view of the mapped checkpoint), float32 accumulation of exact products,
// one rounding to x's dtype at the end; result [1, out]. Streams each weight row once, the rows
// shared out to the threads in chunks (cpu_pool.h); a general GEMM library would first repack
// the whole matrix into its own layout on every call, which for a single row triples the
// memory traffic. (cpu_linear_row.cpp)
at::Tensor linearRow(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// The same for up to four Linear layers over the same row (q/k/v, gate/up) as one task, so the
// threads meet once: one result per layer, or none when any layer is not handled.
struct LinearRef {
    const at::Tensor& weight;
    const at::Tensor& bias; // undefined: none
};
std::vector<at::Tensor> linearRows(const at::Tensor& x, std::initializer_list<LinearRef> layers);

// The kernels linearRow can use: AVX-512 (bf16 needs AVX512-BF16's vdpbf16ps), AVX2 + FMA, and
// portable C++. Auto picks the widest this CPU has; every one accumulates in float32.
enum class RowKernel { Auto, Avx512, Avx2, Portable };
bool rowKernelAvailable(RowKernel kernel, bool bf16);
// Tests: forces one kernel (the caller checks rowKernelAvailable); Auto restores the choice.
void setRowKernelForTesting(RowKernel kernel);

// Tests: false makes every kernel here and in cpu_attention.h behave as on a CPU without
// AVX-512 (portable loops here, the ATen path for attention; linearRow's AVX2 or portable kernel).
void setSimdForTesting(bool enabled);

// How many threads an at::parallel_for over `items` items in the engine's code runs on (the
// kernels share out their rows that way): at::get_num_threads() for a loop of enough items when
// the engine is built with OpenMP as LibTorch is, 1 when it is not (tests keep the build right).
int parallelForThreads(int64_t items);

} // namespace headscope::model::cpu
