#pragma once
// Rank statistics over per-head score vectors ([layers·heads] flattened): top-k head sets,
// Jaccard overlap between them and Spearman rank correlation. The statistics view compares
// metrics and lengths with them; bench_dtype_agreement and tst_dtype_agreement compare bf16
// and f32 runs (docs/performance.md). Plain functions over plain values; any thread.
#include <span>
#include <vector>

namespace headscope {

// Flat indices (layer·heads + head) of the k highest values; ties broken by lower index.
std::vector<int> topKHeads(std::span<const double> values, int k);
// |A ∩ B| / |A ∪ B|; 1 for two empty sets.
double jaccard(std::span<const int> a, std::span<const int> b);
// Spearman's ρ with average ranks for ties; NaN when either side is constant or sizes differ.
double spearman(std::span<const double> a, std::span<const double> b);
// Average (fractional) ranks, 1 = smallest.
std::vector<double> averageRanks(std::span<const double> values);

} // namespace headscope
