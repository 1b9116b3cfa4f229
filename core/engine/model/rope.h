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

    const at::Tensor& inverseFrequencies() const { return m_invFreq; } // [head_dim / 2], float32

private:
    void ensureTable(int64_t positions) const;

    at::Tensor m_invFreq;      // [head_dim / 2] float32
    mutable at::Tensor m_cos;  // [positions, head_dim] float32
    mutable at::Tensor m_sin;
};

} // namespace headscope::model
