// Row reduction for the probe runner: called once per (scored query, layer, head) while the
// engine's row view is alive, so it must not keep references to `row`.
#include "headscope/core/row_stats.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <string>

namespace headscope {

namespace {

// Descending weight, ties to the lower index: the one ordering every caller relies on.
struct HeavierFirst {
    std::span<const float> row;
    bool operator()(int32_t a, int32_t b) const
    {
        const float wa = row[static_cast<std::size_t>(a)];
        const float wb = row[static_cast<std::size_t>(b)];
        return wa > wb || (wa == wb && a < b);
    }
};

// The `count` heaviest indices of `row`, in HeavierFirst order.
std::vector<int32_t> topIndices(std::span<const float> row, int64_t count)
{
    const auto n = static_cast<int64_t>(row.size());
    count = std::min(count, n);
    std::vector<int32_t> heap; // min-heap on HeavierFirst: front is the lightest kept
    heap.reserve(static_cast<std::size_t>(count) + 1);
    HeavierFirst heavier{row};
    for (int64_t i = 0; i < n && count > 0; ++i) {
        const auto idx = static_cast<int32_t>(i);
        if (static_cast<int64_t>(heap.size()) < count) {
            heap.push_back(idx);
            std::push_heap(heap.begin(), heap.end(), heavier);
        } else if (heavier(idx, heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), heavier);
            heap.back() = idx;
            std::push_heap(heap.begin(), heap.end(), heavier);
        }
    }
    std::sort(heap.begin(), heap.end(), heavier);
    return heap;
}

} // namespace

RowStats reduceAttentionRow(std::span<const float> row, NeedleSpan span, int topK)
{
    if (topK < 1)
        throw UsageError("reduceAttentionRow: top-K must be >= 1, got " + std::to_string(topK));
    RowStats stats;
    stats.rowLength = static_cast<int64_t>(row.size());
    const int64_t start = std::clamp<int64_t>(span.start, 0, stats.rowLength);
    const int64_t end = std::clamp<int64_t>(span.end, start, stats.rowLength);
    const NeedleSpan clipped{start, end};

    double needleMass = 0.0;
    for (int64_t i = start; i < end; ++i)
        needleMass += row[static_cast<std::size_t>(i)];
    stats.needleMass = needleMass;

    // R2 (§1C) uses K = span length of the UNCLIPPED span: that is what the reference's
    // needle_end − needle_start is.
    const int64_t spanLen = span.length();
    const int64_t need = std::max<int64_t>(topK, spanLen);
    const std::vector<int32_t> top = topIndices(row, need);

    double spanTopMass = 0.0;
    for (int64_t k = 0; k < std::min<int64_t>(spanLen, static_cast<int64_t>(top.size())); ++k) {
        if (clipped.contains(top[static_cast<std::size_t>(k)]))
            spanTopMass += row[static_cast<std::size_t>(top[static_cast<std::size_t>(k)])];
    }
    stats.spanTopMass = spanTopMass;

    const auto keep = std::min<std::size_t>(static_cast<std::size_t>(topK), top.size());
    stats.topIndices.assign(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(keep));
    stats.topWeights.reserve(keep);
    for (int32_t idx : stats.topIndices)
        stats.topWeights.push_back(row[static_cast<std::size_t>(idx)]);
    return stats;
}

} // namespace headscope
