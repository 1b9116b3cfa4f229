#pragma once
// RowStats: what HeadScope keeps of one attention row (one scored query, one layer, one query
// head) instead of the full row (docs/algorithms.md decision (d) and §1B).
// Every metric of docs/algorithms.md §1 is a pure function of RowStats + needle span + generated
// token (head_metrics.h). Produced by the probe runner from the engine's softmax rows; stored
// per (test, step, layer, head) by the session writer.
#include <cstdint>
#include <span>
#include <vector>

namespace headscope {

// K of the DiliLazyKV InfScore probe (`--top_k_infscore`, docs/algorithms.md §1D).
inline constexpr int kDefaultTopKInfScore = 10;

// Half-open needle span [start, end) in key (prompt token) coordinates.
struct NeedleSpan {
    int64_t start = 0;
    int64_t end = 0;

    int64_t length() const { return end > start ? end - start : 0; }
    bool contains(int64_t index) const { return index >= start && index < end; }
};

struct RowStats {
    // The min(K, rowLength) heaviest keys in descending weight. Ties are broken by the LOWER key
    // index first, so the reduction is deterministic and topIndices[0] is the argmax that
    // torch.argmax / topk would report on a CPU row with ties resolved to the first index.
    std::vector<int32_t> topIndices; // [K']
    std::vector<float> topWeights;   // [K'], same order as topIndices
    double needleMass = 0.0;         // Σ a_i over the span, clipped to the row
    double spanTopMass = 0.0;        // Σ a_i over the top-spanLength keys that fall in the span (R2, §1C)
    int64_t rowLength = 0;           // number of keys (prompt length + generated tokens so far)

    // The top-1 key, or -1 for an empty row.
    int32_t top1() const { return topIndices.empty() ? -1 : topIndices.front(); }
};

// Reduces one softmax row over all keys ([keys], float32) to RowStats with top-K = topK.
// The span is clipped to the row. Throws UsageError if topK < 1.
// Cost: O(keys · log(max(K, spanLength))).
RowStats reduceAttentionRow(std::span<const float> row, NeedleSpan span, int topK = kDefaultTopKInfScore);

} // namespace headscope
