#pragma once
// Statistics over [layers, heads] score maps for the statistics view: top-k head sets,
// Jaccard overlap between them (stability across lengths/depths) and Spearman rank
// correlation between two metrics. Plain functions over plain values; any thread.
#include <span>
#include <vector>

namespace headscope::views {

// Flat indices (layer·heads + head) of the k highest values; ties broken by lower index.
std::vector<int> topKHeads(std::span<const double> values, int k);
// |A ∩ B| / |A ∪ B|; 1 for two empty sets.
double jaccard(std::span<const int> a, std::span<const int> b);
// Spearman's ρ with average ranks for ties; NaN when either side is constant or sizes differ.
double spearman(std::span<const double> a, std::span<const double> b);
// Average (fractional) ranks, 1 = smallest.
std::vector<double> averageRanks(std::span<const double> values);

} // namespace headscope::views
