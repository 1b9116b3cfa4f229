#include "cache_compressor.h"

#include "compressed_kv_cache.h"
#include "snapkv_scores.h"

#include "headscope/core/allocator.h"
#include "headscope/core/errors.h"

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
        const int64_t w = std::min<int64_t>(plan.window, total), prefix = total - w;
        const int layer = static_cast<int>(l);

        bool compresses = false; // does any head keep less than the whole prefix?
        for (int s = 0; s < plan.heads; ++s)
            compresses = compresses || plan.at(layer, s) < prefix;
        at::Tensor pooled, pooledHost; // [S, P] selection scores of the stored heads
        if (compresses) {
            const auto& q = windowQueries.at(l); // [H, w', d]
            auto scores = observationScores(q.narrow(1, q.size(1) - w, w), keys, attention.scale,
                                            attention.slidingWindow); // [H, P]
            pooled = poolAlongKeys(scores, spec.pooling, spec.poolingKernel);
            if (!queryLayout)
                pooled = reduceGroups(pooled, kvHeads, spec.scoreAggregation); // [KV, P]
            if (splitsAtPrefill(plan))
                pooledHost = pooled.to(at::kCPU, at::kFloat).contiguous();
        }
        const std::vector<int64_t> caps = layerCapacities(
            plan, layer,
            std::span<const float>(pooledHost.defined() ? pooledHost.data_ptr<float>() : nullptr,
                                   pooledHost.defined() ? static_cast<std::size_t>(pooledHost.numel()) : 0),
            prefix);

        auto posOpts = at::TensorOptions().dtype(at::kLong).device(keys.device());
        auto window = at::arange(prefix, total, posOpts); // [w]
        std::vector<StoredHead> heads;
        auto& kept = out.keptPositions[l];
        kept.resize(caps.size());
        for (std::size_t s = 0; s < caps.size(); ++s) {
            const int64_t keep = std::min(caps[s], prefix);
            at::Tensor selected = keep == prefix ? at::arange(prefix, posOpts)
                                                 : std::get<1>(pooled[static_cast<int64_t>(s)].topk(keep, -1, true, true));
            auto positions = at::cat({selected, window}); // [keep + w] score order, then the window
            const int64_t source = queryLayout ? static_cast<int64_t>(s) / group : static_cast<int64_t>(s);
            heads.push_back(StoredHead{keys[source].index_select(0, positions), values[source].index_select(0, positions),
                                       positions});
            auto host = positions.to(at::kCPU, at::kInt).contiguous();
            kept[s].assign(host.data_ptr<int32_t>(), host.data_ptr<int32_t>() + host.numel());
        }
        out.caches.push_back(std::make_unique<CompressedKvCache>(heads, decodeRoom, total, kvHeads));
        caches[l] = model::FullKvCache(0, 0, 0, keys.options()); // release this layer's full K/V now
    }
    return out;
}

} // namespace headscope::compress
