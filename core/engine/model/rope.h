#pragma once
// Rotary position embeddings, HF Llama convention (rotate_half over the two halves of
// head_dim), with "linear" and "llama3" frequency scaling from ModelConfig::ropeScaling.
#include "headscope/core/model_config.h"

#include <ATen/ATen.h>

namespace headscope::model {

class Rope {
public:
    Rope(const ModelConfig& config, const at::Device& device);

    // x [heads, n, head_dim] for absolute positions [start, start + n) → rotated, same dtype.
    at::Tensor apply(const at::Tensor& x, int64_t start) const;

    // One projection's rows x [n, heads * head_dim] at positions [start, start + n) → rotated
    // and head-major [heads, n, head_dim], same dtype: one fused pass on the CPU.
    at::Tensor applyToHeads(const at::Tensor& x, int64_t heads, int64_t start) const;

    const at::Tensor& inverseFrequencies() const { return m_invFreq; } // [head_dim / 2], float32

private:
    void ensureTable(int64_t positions) const;

    at::Tensor m_invFreq;      // [head_dim / 2] float32
    mutable at::Tensor m_cosHalf; // [positions, head_dim / 2] float32
    mutable at::Tensor m_sinHalf;
    mutable at::Tensor m_cos;     // [positions, head_dim] float32: the halves side by side
    mutable at::Tensor m_sin;
};

} // namespace headscope::model
