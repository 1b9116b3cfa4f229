#pragma once
// SnapKV observation-window scores (docs/algorithms.md §4A steps 1–4): how much the last w prompt
// queries attend to each prefix key, pooled along keys, optionally reduced over a GQA group.
#include "headscope/core/budget_plan.h"
#include "headscope/core/compression.h"

#include <ATen/ATen.h>

namespace headscope::compress {

// windowQueries [H, w, d] (RoPE applied) are the queries at positions [T−w, T); keys [KV, T, d].
// Softmax over all T keys in float32 with the causal mask inside the window (and the sliding
// window, if any), then the mean over the w queries of the prefix columns: float32 [H, T−w].
// `softcap` > 0 soft-caps the scaled scores before the mask, as the model's attention does.
at::Tensor observationScores(const at::Tensor& windowQueries, const at::Tensor& keys, double scale,
                             int64_t slidingWindow, double softcap = 0.0);

// 1-D pooling along keys, stride 1, padding k/2 (k odd): [S, P] → [S, P].
at::Tensor poolAlongKeys(const at::Tensor& scores, Pooling pooling, int kernel);

// [H, P] → [KV, P]: mean, max or sum over each group of H/KV consecutive query heads.
at::Tensor reduceGroups(const at::Tensor& scores, int64_t kvHeads, GroupAggregation aggregation);

} // namespace headscope::compress
