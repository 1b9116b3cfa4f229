#pragma once
// Attention math shared by prefill, decode and the scored-row report. Everything a layer's
// attention needs besides q, k and v is in AttentionParams, so a family's differences (scale,
// sliding window, ...) arrive as data from ModelConfig, never as branches here.
//
// Dimension names as in decoder.h: H query heads, KV key/value heads, G = H / KV, n queries,
// T keys, d head_dim. Scores and softmax are float32 whatever the K/V dtype.
#include <ATen/ATen.h>

#include <cstdint>

namespace headscope::model {

struct AttentionParams {
    double scale = 1.0;         // multiplies q·k (1/sqrt(head_dim) for the Llama family)
    int64_t slidingWindow = 0;  // > 0: key j is visible to query i iff i − j < window; 0 = all
    double softcap = 0.0;       // > 0: scaled scores → tanh(s / c) · c before the mask (Gemma 2)
};

// Applies params.softcap to float32 scores in place (nothing when it is 0).
void softcapScores(at::Tensor& scores, const AttentionParams& params);

// Causal attention of n queries q [H, n, d] at positions [start, start + n) over keys
// k, v [KV, T, d] (T = start + n). Query-blocked: at most `queryBlock` queries × T keys of
// scores exist per head at a time. Returns [H, n, d] in q's dtype.
at::Tensor blockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                            int64_t queryBlock, const AttentionParams& params);

// The softmax row of one query q [H, d] at position `pos` over k [KV, ≥ pos + 1, d]:
// float32 [H, pos + 1], zeros where the sliding window hides a key.
at::Tensor attentionRow(const at::Tensor& q, const at::Tensor& k, int64_t pos, const AttentionParams& params);

// The part of each head's attention output that comes from the keys at [start, end) (clipped to
// the row): rows float32 [H, T] (softmax rows), values [KV, T, d]. Returns float32 [H, d].
at::Tensor spanOutput(const at::Tensor& rows, const at::Tensor& values, int64_t start, int64_t end);

// One decode query q [H, d] at position T − 1 over k, v [KV, T, d] (its own K/V included).
// Returns [H, d]; `rows`, if non-null, receives the float32 softmax rows [H, T].
at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const AttentionParams& params, at::Tensor* rows);

} // namespace headscope::model
