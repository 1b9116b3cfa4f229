#include "headscope/core/compression.h"

#include "headscope/core/allocator.h"
#include "headscope/core/errors.h"

#include <sstream>

namespace headscope {

std::string poolingName(Pooling pooling)
{
    return pooling == Pooling::Max ? "max" : "avg";
}

Pooling parsePooling(const std::string& name)
{
    if (name == "max" || name == "maxpool")
        return Pooling::Max;
    if (name == "avg" || name == "avgpool")
        return Pooling::Avg;
    throw UsageError("pooling: expected max or avg, got '" + name + "'");
}

void CompressionSpec::validate(const ModelDims& dims) const
{
    if (layout == CacheLayout::Padded)
        throw UsageError("compression layout: the padded layout is an estimate only; use gqa-flattened or "
                         "query-head-flattened");
    if (poolingKernel < 1 || poolingKernel % 2 == 0)
        throw UsageError("compression pooling kernel: expected an odd number ≥ 1 (SnapKV uses 7), got " +
                         std::to_string(poolingKernel));
    if (plan.window < 1)
        throw UsageError("budget plan window: expected ≥ 1 observation query, got " + std::to_string(plan.window));
    if (plan.layers != dims.layers)
        throw UsageError("budget plan: " + std::to_string(plan.layers) + " layers, the model has " +
                         std::to_string(dims.layers));
    const bool query = plan.granularity == HeadGranularity::QueryHead;
    const int expected = query ? dims.queryHeads : dims.kvHeads;
    if (plan.heads != expected)
        throw UsageError("budget plan: " + std::to_string(plan.heads) + " heads per layer at " +
                         (query ? "query" : "KV") + "-head granularity, the model has " + std::to_string(expected));
    if (plan.capacities.size() != static_cast<std::size_t>(plan.layers) * static_cast<std::size_t>(plan.heads))
        throw UsageError("budget plan: " + std::to_string(plan.capacities.size()) + " capacities for " +
                         std::to_string(plan.layers) + " × " + std::to_string(plan.heads) + " heads");
    for (std::size_t i = 0; i < plan.capacities.size(); ++i)
        if (plan.capacities[i] < 0)
            throw UsageError("budget plan: capacity of head " + std::to_string(i / plan.heads) + "-" +
                             std::to_string(i % plan.heads) + " is negative (" + std::to_string(plan.capacities[i]) + ")");
    if (splitsAtPrefill(plan)) {
        const auto alpha = plan.parameters.find("floor_alpha");
        if (alpha != plan.parameters.end() && (alpha->second < 0.0 || alpha->second > 1.0))
            throw UsageError("budget plan parameter floor_alpha: expected a value in [0, 1], got " +
                             std::to_string(alpha->second));
    }
}

std::string CompressionSpec::describe() const
{
    std::ostringstream os;
    os << "snapkv-selection method=" << (plan.method.empty() ? "custom" : plan.method) << " w=" << plan.window
       << " pool=" << poolingName(pooling) << " k=" << poolingKernel << " layout=" << cacheLayoutName(layout);
    if (layout == CacheLayout::GqaFlattened)
        os << " score-agg=" << groupAggregationName(scoreAggregation);
    if (plan.granularity == HeadGranularity::QueryHead && layout == CacheLayout::GqaFlattened)
        os << " cap-agg=" << groupAggregationName(capacityAggregation);
    return os.str();
}

} // namespace headscope
