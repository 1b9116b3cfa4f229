#pragma once
// BudgetPlan: per-head KV capacities, the product of an allocator (allocator.h) and the input of
// the compressed cache. Capacities count SELECTED prefix tokens; every head additionally keeps
// the `window` most recent prompt tokens (docs/algorithms.md §4A/§4B: head_len = cap + window).
#include "headscope/core/score_matrix.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace headscope {

enum class GroupAggregation { Mean, Max, Sum };
std::string groupAggregationName(GroupAggregation a);           // "mean" | "max" | "sum"
GroupAggregation parseGroupAggregation(const std::string& name); // throws UsageError

// How a compressed cache stores K/V (docs/algorithms.md decisions (f), (g)).
enum class CacheLayout {
    GqaFlattened,        // num_key_value_heads heads per layer, flat [Σ head_len, d] + head_lens/cu_klen
    QueryHeadFlattened,  // HeadKV layout: num_attention_heads heads per layer (repeat_kv first)
    Padded,              // KV heads, each padded to the layer's longest head, no metadata
};
std::string cacheLayoutName(CacheLayout layout);

enum class KvDtype { BF16, F16, F32 };
int kvDtypeBytes(KvDtype dtype);
std::string kvDtypeName(KvDtype dtype);
KvDtype parseKvDtype(const std::string& name); // "bf16" | "f16" | "fp16" | "f32" | "fp32"

struct ModelDims {
    int layers = 0;
    int queryHeads = 0; // num_attention_heads
    int kvHeads = 0;    // num_key_value_heads
    int headDim = 0;
    // Per layer, the sliding window of a local layer (0: full attention); empty: all full.
    // A local layer's next query sees only the last window − 1 prompt tokens, so a compressed
    // cache never holds more of the prompt there (see BudgetPlan::heldTokens).
    std::vector<int64_t> slidingWindows;
    int groupSize() const { return kvHeads > 0 ? queryHeads / kvHeads : 1; }
    int64_t layerWindow(int layer) const
    {
        return layer >= 0 && static_cast<std::size_t>(layer) < slidingWindows.size()
                   ? slidingWindows[static_cast<std::size_t>(layer)]
                   : 0;
    }
};
struct ModelConfig;
ModelDims modelDims(const ModelConfig& config);

struct BudgetPlan {
    int layers = 0;
    int heads = 0;                        // query heads or KV heads, per granularity
    std::vector<int64_t> capacities;      // [layers, heads] selected tokens, window excluded
    int window = 0;                       // observation window, kept by every head
    HeadGranularity granularity = HeadGranularity::QueryHead;
    std::string method;                   // allocationMethodName (allocation_method.h); empty for hand-made plans
    std::map<std::string, double> parameters; // e.g. base_capacity, window, beta, temp, eps_layer
    std::optional<GroupAggregation> groupAggregation; // set when reduced to KV heads
    std::optional<ModelDims> model;
    std::string provenance;               // "scores:<path> sha256:<hex>" or "session:<path>#…"

    int64_t at(int layer, int head) const { return capacities[static_cast<std::size_t>(layer) * heads + head]; }
    int64_t& at(int layer, int head) { return capacities[static_cast<std::size_t>(layer) * heads + head]; }

    // Selected tokens a head actually keeps at a prompt length: min(cap, contextLength − window),
    // as the reference truncates (§3A); the whole capacity when no length is given.
    int64_t keptSelected(int layer, int head, std::optional<int64_t> contextLength = std::nullopt) const;
    // Σ over (layer, head) of kept selected + window tokens (decision (g), logical view).
    int64_t logicalTokens(std::optional<int64_t> contextLength = std::nullopt) const;
    int64_t totalCapacity() const; // Σ capacities (no window, no truncation)
    // Tokens a head actually holds after compression: kept selected + window, and on a local
    // layer (sliding window W > 0) at most the W − 1 prompt tokens its next query can still
    // see (and at most the prompt). The rest of the head's budget is reported, not held.
    int64_t heldTokens(int layer, int head, std::optional<int64_t> contextLength, int64_t slidingWindow) const;
};

// Reduces a query-head plan to KV heads: each group of `groupSize` consecutive query heads
// becomes one KV head with cap = mean (rounded half-to-even), max or sum of the group's caps.
// Throws UsageError if heads is not a multiple of kvHeads or the plan is already KV-level.
BudgetPlan toKvHeadPlan(const BudgetPlan& plan, int kvHeads, GroupAggregation aggregation);
// Expands a KV-head plan to query heads (each query head gets its KV head's capacity).
BudgetPlan toQueryHeadPlan(const BudgetPlan& plan, int queryHeads);

struct MemoryEstimate {
    CacheLayout layout = CacheLayout::GqaFlattened;
    int storedHeadsPerLayer = 0;
    int64_t storedTokens = 0;   // Σ over stored heads of (kept + window), excluding padding
    int64_t kvBytes = 0;        // storedTokens × headDim × 2 (K,V) × bytes per element
    int64_t metadataBytes = 0;  // flattened layouts: per layer int32 head_lens[H] + cu_klen[H+1]
    int64_t paddingBytes = 0;   // padded layout: bytes spent padding heads to the longest
    int64_t totalBytes = 0;     // kvBytes + metadataBytes + paddingBytes
    int64_t fullCacheBytes = 0; // full GQA cache at contextLength: L × kvHeads × ctx × d × 2 × bytes (0 without ctx)
    std::vector<int64_t> layerBytes; // [layers] totalBytes per layer
    // Tokens the plan gives local layers beyond their sliding windows (planned − held, summed
    // over stored heads): budget that would buy nothing there, so it is not held.
    int64_t beyondWindowTokens = 0;
    std::vector<int64_t> layerBeyondWindowTokens; // [layers]
};

// Physical bytes of a plan in a layout. Local layers (dims.slidingWindows) hold at most their
// window (BudgetPlan::heldTokens); what they would have held beyond it is beyondWindowTokens. A query-head plan stored GQA-natively (GqaFlattened,
// Padded) is first reduced with `aggregation`; a KV-head plan stored per query head is expanded.
MemoryEstimate estimateMemory(const BudgetPlan& plan, const ModelDims& dims, CacheLayout layout, KvDtype dtype,
                              std::optional<int64_t> contextLength = std::nullopt,
                              GroupAggregation aggregation = GroupAggregation::Mean);
// Shorthand for estimateMemory(...).totalBytes.
int64_t physicalBytes(const BudgetPlan& plan, const ModelDims& dims, CacheLayout layout, KvDtype dtype,
                      std::optional<int64_t> contextLength = std::nullopt,
                      GroupAggregation aggregation = GroupAggregation::Mean);

} // namespace headscope
