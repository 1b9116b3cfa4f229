// BudgetPlan arithmetic: logical tokens, KV-group reduction and physical bytes per cache layout
// (docs/algorithms.md decisions (f), (g)). Used by the CLI's allocate table, the GUI budget panel and
// the compressed cache's memory report.
#include "headscope/core/budget_plan.h"

#include "headscope/core/allocator.h"
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"

#include <algorithm>
#include <numeric>

namespace headscope {

std::string groupAggregationName(GroupAggregation a)
{
    switch (a) {
    case GroupAggregation::Mean: return "mean";
    case GroupAggregation::Max: return "max";
    case GroupAggregation::Sum: return "sum";
    }
    return "mean";
}

GroupAggregation parseGroupAggregation(const std::string& name)
{
    if (name == "mean") return GroupAggregation::Mean;
    if (name == "max") return GroupAggregation::Max;
    if (name == "sum") return GroupAggregation::Sum;
    throw UsageError("unknown group aggregation '" + name + "'; expected mean, max or sum");
}

ModelDims modelDims(const ModelConfig& config)
{
    ModelDims dims{static_cast<int>(config.numLayers), static_cast<int>(config.numHeads),
                   static_cast<int>(config.numKvHeads), static_cast<int>(config.headDim), {}};
    if (config.hasSlidingLayers())
        for (int64_t l = 0; l < config.numLayers; ++l)
            dims.slidingWindows.push_back(config.layerWindow(l));
    return dims;
}

std::string cacheLayoutName(CacheLayout layout)
{
    switch (layout) {
    case CacheLayout::GqaFlattened: return "gqa-flattened";
    case CacheLayout::QueryHeadFlattened: return "query-head-flattened";
    case CacheLayout::Padded: return "padded";
    }
    return "gqa-flattened";
}

int kvDtypeBytes(KvDtype dtype)
{
    return dtype == KvDtype::F32 ? 4 : 2;
}

std::string kvDtypeName(KvDtype dtype)
{
    switch (dtype) {
    case KvDtype::BF16: return "bf16";
    case KvDtype::F16: return "f16";
    case KvDtype::F32: return "f32";
    }
    return "bf16";
}

KvDtype parseKvDtype(const std::string& name)
{
    if (name == "bf16" || name == "bfloat16") return KvDtype::BF16;
    if (name == "f16" || name == "fp16" || name == "float16") return KvDtype::F16;
    if (name == "f32" || name == "fp32" || name == "float32") return KvDtype::F32;
    throw UsageError("unknown KV dtype '" + name + "'; expected bf16, f16 or f32");
}

int64_t BudgetPlan::keptSelected(int layer, int head, std::optional<int64_t> contextLength) const
{
    const int64_t cap = at(layer, head);
    if (!contextLength) return cap;
    return std::clamp<int64_t>(*contextLength - window, 0, cap);
}

int64_t BudgetPlan::logicalTokens(std::optional<int64_t> contextLength) const
{
    const int64_t win = contextLength ? std::min<int64_t>(window, *contextLength) : window;
    int64_t total = 0;
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h) total += keptSelected(l, h, contextLength) + win;
    return total;
}

int64_t BudgetPlan::heldTokens(int layer, int head, std::optional<int64_t> contextLength, int64_t slidingWindow) const
{
    const int64_t win = contextLength ? std::min<int64_t>(window, *contextLength) : window;
    const int64_t planned = keptSelected(layer, head, contextLength) + win;
    if (slidingWindow <= 0)
        return planned;
    const int64_t visible = contextLength ? std::min(slidingWindow - 1, *contextLength) : slidingWindow - 1;
    return std::min(planned, visible);
}

int64_t BudgetPlan::totalCapacity() const
{
    return std::accumulate(capacities.begin(), capacities.end(), int64_t{0});
}

BudgetPlan toKvHeadPlan(const BudgetPlan& plan, int kvHeads, GroupAggregation aggregation)
{
    if (plan.granularity != HeadGranularity::QueryHead)
        throw UsageError("toKvHeadPlan: plan is already at KV-head granularity");
    if (kvHeads <= 0 || plan.heads % kvHeads != 0)
        throw UsageError("toKvHeadPlan: " + std::to_string(plan.heads) + " query heads are not a multiple of "
                         + std::to_string(kvHeads) + " KV heads");
    const int group = plan.heads / kvHeads;
    BudgetPlan out = plan;
    out.heads = kvHeads;
    out.granularity = HeadGranularity::KvHead;
    out.groupAggregation = aggregation;
    out.capacities.assign(static_cast<std::size_t>(plan.layers) * static_cast<std::size_t>(kvHeads), 0);
    for (int l = 0; l < plan.layers; ++l)
        for (int g = 0; g < kvHeads; ++g) {
            int64_t sum = 0, mx = 0;
            for (int q = g * group; q < (g + 1) * group; ++q) {
                sum += plan.at(l, q);
                mx = std::max(mx, plan.at(l, q));
            }
            int64_t cap = sum;
            // Mean is rounded half-to-even like every other rounding in the allocators.
            if (aggregation == GroupAggregation::Mean) cap = roundHalfEven(static_cast<double>(sum) / group);
            else if (aggregation == GroupAggregation::Max) cap = mx;
            out.at(l, g) = cap;
        }
    return out;
}

BudgetPlan toQueryHeadPlan(const BudgetPlan& plan, int queryHeads)
{
    if (plan.granularity != HeadGranularity::KvHead)
        throw UsageError("toQueryHeadPlan: plan is already at query-head granularity");
    if (plan.heads <= 0 || queryHeads % plan.heads != 0)
        throw UsageError("toQueryHeadPlan: " + std::to_string(queryHeads) + " query heads are not a multiple of "
                         + std::to_string(plan.heads) + " KV heads");
    const int group = queryHeads / plan.heads;
    BudgetPlan out = plan;
    out.heads = queryHeads;
    out.granularity = HeadGranularity::QueryHead;
    out.capacities.assign(static_cast<std::size_t>(plan.layers) * static_cast<std::size_t>(queryHeads), 0);
    for (int l = 0; l < plan.layers; ++l)
        for (int q = 0; q < queryHeads; ++q) out.at(l, q) = plan.at(l, q / group);
    return out;
}

MemoryEstimate estimateMemory(const BudgetPlan& plan, const ModelDims& dims, CacheLayout layout, KvDtype dtype,
                              std::optional<int64_t> contextLength, GroupAggregation aggregation)
{
    if (plan.layers != dims.layers)
        throw UsageError("memory estimate: plan has " + std::to_string(plan.layers) + " layers, model has "
                         + std::to_string(dims.layers));
    const int expectedHeads = plan.granularity == HeadGranularity::QueryHead ? dims.queryHeads : dims.kvHeads;
    if (plan.heads != expectedHeads)
        throw UsageError("memory estimate: plan has " + std::to_string(plan.heads) + " heads per layer, expected "
                         + std::to_string(expectedHeads)
                         + (plan.granularity == HeadGranularity::QueryHead ? " query heads" : " KV heads"));

    const bool queryLayout = layout == CacheLayout::QueryHeadFlattened;
    BudgetPlan stored = plan;
    if (queryLayout && plan.granularity == HeadGranularity::KvHead) stored = toQueryHeadPlan(plan, dims.queryHeads);
    if (!queryLayout && plan.granularity == HeadGranularity::QueryHead) stored = toKvHeadPlan(plan, dims.kvHeads, aggregation);

    MemoryEstimate est;
    est.layout = layout;
    est.storedHeadsPerLayer = stored.heads;
    const int64_t bytesPerToken = static_cast<int64_t>(dims.headDim) * 2 * kvDtypeBytes(dtype); // K and V
    const int64_t win = contextLength ? std::min<int64_t>(stored.window, *contextLength) : stored.window;
    est.layerBeyondWindowTokens.assign(static_cast<std::size_t>(stored.layers), 0);
    for (int l = 0; l < stored.layers; ++l) {
        int64_t layerTokens = 0, longest = 0;
        for (int h = 0; h < stored.heads; ++h) {
            const int64_t planned = stored.keptSelected(l, h, contextLength) + win;
            const int64_t t = stored.heldTokens(l, h, contextLength, dims.layerWindow(l));
            est.layerBeyondWindowTokens[static_cast<std::size_t>(l)] += planned - t;
            layerTokens += t;
            longest = std::max(longest, t);
        }
        est.beyondWindowTokens += est.layerBeyondWindowTokens[static_cast<std::size_t>(l)];
        const int64_t kv = layerTokens * bytesPerToken;
        int64_t meta = 0, padding = 0;
        if (layout == CacheLayout::Padded) padding = (longest * stored.heads - layerTokens) * bytesPerToken;
        else meta = static_cast<int64_t>(sizeof(int32_t)) * (stored.heads + stored.heads + 1); // head_lens + cu_klen
        est.storedTokens += layerTokens;
        est.kvBytes += kv;
        est.metadataBytes += meta;
        est.paddingBytes += padding;
        est.layerBytes.push_back(kv + meta + padding);
    }
    est.totalBytes = est.kvBytes + est.metadataBytes + est.paddingBytes;
    if (contextLength)
        est.fullCacheBytes = static_cast<int64_t>(dims.layers) * dims.kvHeads * *contextLength * bytesPerToken;
    return est;
}

int64_t physicalBytes(const BudgetPlan& plan, const ModelDims& dims, CacheLayout layout, KvDtype dtype,
                      std::optional<int64_t> contextLength, GroupAggregation aggregation)
{
    return estimateMemory(plan, dims, layout, dtype, contextLength, aggregation).totalBytes;
}

} // namespace headscope
