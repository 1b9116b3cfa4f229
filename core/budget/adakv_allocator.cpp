// Ada-KV per-layer allocation (docs/algorithms.md §4D), and layerCapacities, through which the
// compressed cache asks any plan for a layer's capacities: for an Ada-KV plan it runs the
// allocation here with the prompt's pooled observation-window scores, once per layer; the caps
// feed the per-head top-k selection of §4B.
#include "headscope/core/allocator.h"

#include "headscope/core/allocation_method.h"
#include "headscope/core/errors.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace headscope {

std::vector<int64_t> allocateAdaKvLayer(std::span<const float> scores, int heads, int64_t keys, int64_t budget,
                                        double floorAlpha, bool normalize)
{
    if (heads <= 0 || keys < 0 || budget < 0)
        throw UsageError("adakv allocation: heads, keys and budget must be positive (got " + std::to_string(heads) + ", "
                         + std::to_string(keys) + ", " + std::to_string(budget) + ")");
    if (scores.size() != static_cast<std::size_t>(heads) * static_cast<std::size_t>(keys))
        throw UsageError("adakv allocation: expected scores [heads=" + std::to_string(heads) + ", keys=" + std::to_string(keys)
                         + "] = " + std::to_string(static_cast<int64_t>(heads) * keys) + " values, got "
                         + std::to_string(scores.size()));
    if (floorAlpha < 0.0 || floorAlpha > 1.0)
        throw UsageError("adakv allocation: floor alpha must be in [0, 1], got " + std::to_string(floorAlpha));
    // Nothing to choose from: every head keeps the whole prefix (the reference skips compression).
    if (budget >= keys)
        return std::vector<int64_t>(static_cast<std::size_t>(heads), keys);

    std::vector<double> work(scores.begin(), scores.end()); // [heads, keys]
    if (normalize) {
        std::vector<double> row(static_cast<std::size_t>(keys));
        for (int h = 0; h < heads; ++h) {
            auto begin = work.begin() + static_cast<std::ptrdiff_t>(h) * keys;
            std::copy(begin, begin + keys, row.begin());
            const double all = std::accumulate(row.begin(), row.end(), 0.0);
            std::nth_element(row.begin(), row.begin() + budget, row.end(), std::greater<>());
            const double top = std::accumulate(row.begin(), row.begin() + budget, 0.0);
            const double scale = all > 0.0 ? top / all : 0.0;
            std::for_each(begin, begin + keys, [scale](double& v) { v *= scale; });
        }
    }
    // Global top-(heads·b); ties to the lower flat (head, key) index for determinism.
    const auto total = static_cast<int64_t>(work.size());
    const int64_t pick = static_cast<int64_t>(heads) * budget;
    std::vector<int64_t> order(static_cast<std::size_t>(total));
    std::iota(order.begin(), order.end(), 0);
    std::nth_element(order.begin(), order.begin() + pick, order.end(), [&](int64_t a, int64_t b) {
        const double wa = work[static_cast<std::size_t>(a)], wb = work[static_cast<std::size_t>(b)];
        return wa > wb || (wa == wb && a < b);
    });
    std::vector<int64_t> counts(static_cast<std::size_t>(heads), 0);
    for (int64_t i = 0; i < pick; ++i)
        ++counts[static_cast<std::size_t>(order[static_cast<std::size_t>(i)] / keys)];

    const auto floorTokens = static_cast<double>(static_cast<int64_t>(static_cast<double>(budget) * floorAlpha));
    std::vector<int64_t> caps(static_cast<std::size_t>(heads));
    for (int h = 0; h < heads; ++h)
        caps[static_cast<std::size_t>(h)] =
            roundHalfEven(static_cast<double>(counts[static_cast<std::size_t>(h)]) * (1.0 - floorAlpha) + floorTokens);
    return caps;
}

bool splitsAtPrefill(const BudgetPlan& plan)
{
    return plan.method == allocationMethodName(AllocationMethod::AdaKv);
}

std::vector<int64_t> layerCapacities(const BudgetPlan& plan, int layer, std::span<const float> promptScores,
                                     int64_t keys)
{
    if (layer < 0 || layer >= plan.layers)
        throw UsageError("budget plan: layer " + std::to_string(layer) + " is outside the plan (" +
                         std::to_string(plan.layers) + " layers)");
    std::vector<int64_t> row(static_cast<std::size_t>(plan.heads));
    for (int s = 0; s < plan.heads; ++s)
        row[static_cast<std::size_t>(s)] = plan.at(layer, s);
    if (!splitsAtPrefill(plan))
        return row;
    int64_t sum = 0;
    for (int64_t c : row)
        sum += c;
    const int64_t budget = roundHalfEven(static_cast<double>(sum) / plan.heads);
    if (budget >= keys) // nothing to choose: every head keeps the whole prefix, no scores needed
        return std::vector<int64_t>(static_cast<std::size_t>(plan.heads), keys);
    const auto alpha = plan.parameters.find("floor_alpha");
    const auto normalize = plan.parameters.find("normalize");
    return allocateAdaKvLayer(promptScores, plan.heads, keys, budget, alpha == plan.parameters.end() ? 0.2 : alpha->second,
                              normalize == plan.parameters.end() || normalize->second != 0.0);
}

} // namespace headscope
