#include "cache_compressor.h"

#include "compressed_kv_cache.h"
#include "snapkv_scores.h"

#include "headscope/core/allocator.h"
#include "headscope/core/errors.h"

#include <algorithm>
#include <span>

namespace headscope::compress {

BudgetPlan storedPlan(const CompressionSpec& spec, const ModelConfig& config)
{
    spec.validate(modelDims(config));
    const bool queryLayout = spec.layout == CacheLayout::QueryHeadFlattened;
    const BudgetPlan& plan = spec.plan;
    if (queryLayout && plan.granularity == HeadGranularity::KvHead)
        return toQueryHeadPlan(plan, config.numHeads);
    if (!queryLayout && plan.granularity == HeadGranularity::QueryHead)
        return toKvHeadPlan(plan, config.numKvHeads, spec.capacityAggregation);
    return plan;
}

CompressedCaches compressCaches(model::FullCaches caches, const std::vector<at::Tensor>& windowQueries,
                                const CompressionSpec& spec, const BudgetPlan& plan, const ModelConfig& config,
                                int64_t decodeRoom, const std::function<model::AttentionParams(int64_t)>& params)
{
    const bool queryLayout = spec.layout == CacheLayout::QueryHeadFlattened;
    const int64_t kvHeads = config.numKvHeads, group = config.numHeads / config.numKvHeads;
    CompressedCaches out;
    out.caches.reserve(caches.size());
    out.keptPositions.resize(caches.size());

    for (std::size_t l = 0; l < caches.size(); ++l) {
        const model::AttentionParams attention = params(static_cast<int64_t>(l));
        auto keys = caches[l].keys(), values = caches[l].values(); // [KV, T, d]
        const int64_t total = keys.size(1);
        // A local layer's next query (position T) sees only the last window − 1 prompt keys:
        // nothing older is kept there, whatever the plan gave the layer (the surplus is
        // reported by the plan's memory estimate, BudgetPlan::heldTokens).
        const int64_t visibleStart =
            attention.slidingWindow > 0 ? std::max<int64_t>(0, total - (attention.slidingWindow - 1)) : 0;
        const int64_t w = std::min<int64_t>(plan.window, total - visibleStart), prefix = total - w;
        const int64_t selectable = prefix - visibleStart; // prefix keys [visibleStart, prefix) to choose from
        const int layer = static_cast<int>(l);

        bool compresses = false; // does any head keep less than the whole selectable prefix?
        for (int s = 0; s < plan.heads; ++s)
            compresses = compresses || plan.at(layer, s) < selectable;
        at::Tensor pooled, pooledHost; // [S, selectable] selection scores of the stored heads
        if (compresses) {
            const auto& q = windowQueries.at(l); // [H, w', d]
            auto scores = observationScores(q.narrow(1, q.size(1) - w, w), keys, attention.scale,
                                            attention.slidingWindow, attention.softcap); // [H, P]
            pooled = poolAlongKeys(scores, spec.pooling, spec.poolingKernel).narrow(1, visibleStart, selectable);
            if (!queryLayout)
                pooled = reduceGroups(pooled, kvHeads, spec.scoreAggregation); // [KV, selectable]
            if (splitsAtPrefill(plan))
                pooledHost = pooled.to(at::kCPU, at::kFloat).contiguous();
        }
        const std::vector<int64_t> caps = layerCapacities(
            plan, layer,
            std::span<const float>(pooledHost.defined() ? pooledHost.data_ptr<float>() : nullptr,
                                   pooledHost.defined() ? static_cast<std::size_t>(pooledHost.numel()) : 0),
            selectable);

        auto posOpts = at::TensorOptions().dtype(at::kLong).device(keys.device());
        auto window = at::arange(prefix, total, posOpts); // [w]
        std::vector<StoredHead> heads;
        auto& kept = out.keptPositions[l];
        kept.resize(caps.size());
        for (std::size_t s = 0; s < caps.size(); ++s) {
            const int64_t keep = std::min(caps[s], selectable);
            at::Tensor selected =
                keep == selectable
                    ? at::arange(visibleStart, prefix, posOpts)
                    : std::get<1>(pooled[static_cast<int64_t>(s)].topk(keep, -1, true, true)).add_(visibleStart);
            auto positions = at::cat({selected, window}); // [keep + w] score order, then the window
            const int64_t source = queryLayout ? static_cast<int64_t>(s) / group : static_cast<int64_t>(s);
            heads.push_back(StoredHead{keys[source].index_select(0, positions), values[source].index_select(0, positions),
                                       positions});
            auto host = positions.to(at::kCPU, at::kInt).contiguous();
            kept[s].assign(host.data_ptr<int32_t>(), host.data_ptr<int32_t>() + host.numel());
        }
        out.caches.push_back(
            std::make_unique<CompressedKvCache>(heads, decodeRoom, total, kvHeads, attention.slidingWindow));
        caches[l] = model::FullKvCache(0, 0, 0, keys.options()); // release this layer's full K/V now
    }
    return out;
}

} // namespace headscope::compress
