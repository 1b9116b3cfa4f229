#pragma once
// What the fused CPU attention kernels share (cpu_attention.cpp for decode and the scored row,
// cpu_flash_prefill.cpp for prefill): row views of K and V as the cache holds them, and which
// tensors they can take.
#include <ATen/ATen.h>

#include <cstdint>
#include <limits>

namespace headscope::model::cpu::detail {

inline constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// Row-major views of K or V: head h, key t starts at base + h * headStride + t * rowStride.
template <typename T>
struct Rows {
    const T* base;
    int64_t headStride, rowStride;
    const T* row(int64_t head, int64_t t) const { return base + head * headStride + t * rowStride; }
};

inline bool cpuTensor(const at::Tensor& t)
{
    return t.defined() && t.device().is_cpu() && (t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16);
}

// Head-major [heads, rows, d] with unit stride along d and rows at a fixed stride.
inline bool rowsUsable(const at::Tensor& t)
{
    return t.dim() == 3 && t.stride(2) == 1 && t.stride(1) >= t.size(2);
}

template <typename T>
inline Rows<T> typed(const Rows<void>& r)
{
    return {static_cast<const T*>(r.base), r.headStride, r.rowStride};
}

} // namespace headscope::model::cpu::detail
