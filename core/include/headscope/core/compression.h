#pragma once
// CompressionSpec: how Engine::generate compresses the KV cache after prefill (docs/algorithms.md
// §4A SnapKV selection, §4B per-head budgets, §4D Ada-KV, decision (f) GQA-native storage).
//
// After the prompt has been prefilled with the full cache, each layer scores the prefix keys
// with the last `plan.window` prompt queries (softmax in float32, causal inside the window,
// mean over the window queries), pools the scores along keys (max or avg, kernel k, stride 1),
// and every stored head keeps its top-capacity prefix keys (score order) plus the window.
// Stored heads are KV heads (default) or query heads (HeadKV's layout, K/V repeated first).
#include "headscope/core/budget_plan.h"

#include <string>

namespace headscope {

enum class Pooling { Max, Avg };
std::string poolingName(Pooling pooling);       // "max" | "avg"
Pooling parsePooling(const std::string& name);  // throws UsageError

struct CompressionSpec {
    // Per-head capacities (selected prefix tokens, window excluded) and the window w. A plan at
    // the other granularity than `layout` stores is converted: query → KV heads with
    // `capacityAggregation`, KV → query heads by repetition. A plan whose method is "adakv"
    // only sets each layer's mean budget; the split across heads is made at prefill from the
    // prompt's own pooled scores (Ada-KV, floor α = parameters["floor_alpha"], default 0.2).
    BudgetPlan plan;
    CacheLayout layout = CacheLayout::GqaFlattened; // GqaFlattened | QueryHeadFlattened
    Pooling pooling = Pooling::Max;
    int poolingKernel = 7;                          // odd; 1 = no pooling
    GroupAggregation scoreAggregation = GroupAggregation::Mean;    // mean | max, GQA layout only
    GroupAggregation capacityAggregation = GroupAggregation::Mean; // query plan → KV heads

    // Throws UsageError naming the field when the spec cannot be applied to a model with
    // these dimensions (layer/head counts, kernel parity, layout, aggregation).
    void validate(const ModelDims& dims) const;
    // "snapkv-selection w=8 pool=max k=7 layout=gqa-flattened agg=mean" — recorded with runs.
    std::string describe() const;
};

} // namespace headscope
