#pragma once
// Rotary position embeddings, HF Llama convention (rotate_half over the two halves of the
// rotary dims), with "linear", "llama3" and "longrope" frequency scaling. Partial rotary
// (Phi-4-mini): only the first rotaryDim dims of each head rotate, the rest pass through.
// A model has one Rope per distinct RopeParameters (Gemma 3: one for sliding layers, one for
// full ones); ModelConfig::ropeFor(layer) says which.
#include "headscope/core/model_config.h"

#include <ATen/ATen.h>

namespace headscope::model {

class Rope {
public:
    Rope(const RopeParameters& parameters, int64_t headDim, int64_t rotaryDim, const at::Device& device);
    // The full-attention layers' RoPE of a config.
    Rope(const ModelConfig& config, const at::Device& device);

    // x [heads, n, head_dim] for absolute positions [start, start + n) → rotated, same dtype.
    // longFactors: longrope's long_factor table (see usesLongFactors); ignored otherwise.
    at::Tensor apply(const at::Tensor& x, int64_t start, bool longFactors = false) const;

    // Longrope switches to the long factors once the sequence a forward pass covers (its last
    // position + 1) exceeds original_max_position_embeddings, as transformers does; false for
    // every other scaling.
    bool usesLongFactors(int64_t sequenceLength) const;

    const at::Tensor& inverseFrequencies() const { return m_invFreq; } // [rotaryDim / 2], float32
    int64_t rotaryDim() const { return m_rotaryDim; }

private:
    void ensureTable(int64_t positions) const;

    RopeScaling m_scaling;
    int64_t m_rotaryDim = 0;
    at::Tensor m_invFreq;      // [rotaryDim / 2] float32 (short factors for longrope)
    at::Tensor m_invFreqLong;  // [rotaryDim / 2] float32, longrope only
    mutable at::Tensor m_cos, m_sin;         // [positions, rotaryDim] float32, × attention factor
    mutable at::Tensor m_cosLong, m_sinLong; // longrope only
};

} // namespace headscope::model
