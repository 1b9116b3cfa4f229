#include "headscope/core/rank_statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

namespace headscope {

std::vector<int> topKHeads(std::span<const double> values, int k)
{
    std::vector<int> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return values[static_cast<std::size_t>(a)] > values[static_cast<std::size_t>(b)];
    });
    order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max(k, 0))));
    return order;
}

double jaccard(std::span<const int> a, std::span<const int> b)
{
    const std::set<int> sa(a.begin(), a.end());
    const std::set<int> sb(b.begin(), b.end());
    if (sa.empty() && sb.empty())
        return 1.0;
    std::size_t common = 0;
    for (int x : sa)
        common += sb.count(x);
    return static_cast<double>(common) / static_cast<double>(sa.size() + sb.size() - common);
}

std::vector<double> averageRanks(std::span<const double> values)
{
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]])
            ++j;
        const double r = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (std::size_t t = i; t <= j; ++t)
            ranks[order[t]] = r;
        i = j + 1;
    }
    return ranks;
}

double spearman(std::span<const double> a, std::span<const double> b)
{
    if (a.size() != b.size() || a.size() < 2)
        return std::nan("");
    const std::vector<double> ra = averageRanks(a);
    const std::vector<double> rb = averageRanks(b);
    const double n = static_cast<double>(a.size());
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
    const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
    double cov = 0.0;
    double va = 0.0;
    double vb = 0.0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        cov += (ra[i] - ma) * (rb[i] - mb);
        va += (ra[i] - ma) * (ra[i] - ma);
        vb += (rb[i] - mb) * (rb[i] - mb);
    }
    if (va <= 0.0 || vb <= 0.0)
        return std::nan("");
    return cov / std::sqrt(va * vb);
}

} // namespace headscope
