#pragma once
// An independent, deliberately naive Llama-family forward pass for tests: float64, no KV
// cache, explicit loops, written from the HF module definitions (LlamaRMSNorm, rotate_half
// RoPE, repeat_kv attention, SwiGLU MLP). It shares nothing with core/engine/model/ except the
// checkpoint reader, so a bug in the decoder cannot hide in both.
#include "headscope/core/checkpoint.h"

#include <vector>

namespace headscope::reference {

struct NaiveOutput {
    std::vector<std::vector<double>> logits; // [seq][vocab]
    // rows[layer][head] = softmax row of query position `rowQuery` over keys [0, rowQuery]
    std::vector<std::vector<std::vector<double>>> rows;
};

// Runs the whole sequence. `rowQuery` < 0 means no rows are kept.
NaiveOutput naiveForward(const Checkpoint& checkpoint, const std::vector<int32_t>& ids, int rowQuery = -1);

} // namespace headscope::reference
