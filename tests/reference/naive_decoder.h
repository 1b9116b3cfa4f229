#pragma once
// An independent, deliberately naive forward pass for tests: float64, no KV cache, explicit
// loops, written from the HF modeling files (modeling_llama/qwen2/qwen3/gemma2/gemma3/phi3.py
// and modeling_rope_utils.py): RMSNorm w·x̂ or (1 + w)·x̂, per-head q/k norms, rotate_half RoPE
// on the first rotary dims (linear, llama3, longrope), repeat_kv attention with the layer's
// scale, soft-cap and sliding window, SwiGLU or GeGLU MLP, sublayer-output norms, final
// soft-cap. It shares nothing with core/engine/model/ except the checkpoint reader and the parsed
// config, so a bug in the decoder cannot hide in both.
//
// A Mistake re-runs the reference with one known-easy implementation error, so tests can
// show the engine matches the right math and is far from the wrong one.
#include "headscope/core/checkpoint.h"

#include <vector>

namespace headscope::reference {

enum class Mistake {
    None,
    PlainNorm,             // w · x̂ where the family scales by (1 + w)
    NoAttnSoftcap,         // attention scores not soft-capped
    NoFinalSoftcap,        // logits not soft-capped
    GlobalRopeOnLocal,     // sliding layers rotated with the full layers' base and scaling
    SwappedKvSplit,        // fused qkv rows read as [q | v | k]
    FullRotary,            // every head dim rotated, ignoring partial_rotary_factor
    NoSlidingWindow,       // sliding layers attend to everything
    ShortFactorsOnly,      // longrope never switches to the long factors
    HeadDimScale,          // scores × head_dim^-½ instead of query_pre_attn_scalar^-½
    NoQkNorm,              // q_norm / k_norm skipped
};

struct NaiveOutput {
    std::vector<std::vector<double>> logits; // [seq][vocab]
    // rows[layer][head] = softmax row of query position `rowQuery` over keys [0, rowQuery]
    std::vector<std::vector<std::vector<double>>> rows;
    // keys[layer][kv head][position] = the key as cached (after k-norm and RoPE), if asked
    std::vector<std::vector<std::vector<std::vector<double>>>> keys;
};

// Runs the whole sequence as one forward pass. `rowQuery` < 0 means no rows are kept.
NaiveOutput naiveForward(const Checkpoint& checkpoint, const std::vector<int32_t>& ids, int rowQuery = -1,
                         Mistake mistake = Mistake::None, bool keepKeys = false);

} // namespace headscope::reference
