#include "cache_compressor.h"

#include "compressed_kv_cache.h"
#include "snapkv_scores.h"

#include "headscope/core/allocator.h"
#include "headscope/core/errors.h"

#include <cmath>

namespace headscope::compress {

namespace {

// Ada-KV splits the layer's budget (its mean stored-head capacity) by the prompt's own scores.
std::vector<int64_t> adaKvCapacities(const BudgetPlan& plan, int layer, const at::Tensor& pooled)
{
    int64_t sum = 0;
    for (int s = 0; s < plan.heads; ++s)
        sum += plan.at(layer, s);
    const int64_t budget = roundHalfEven(static_cast<double>(sum) / plan.heads);
    const auto alpha = plan.parameters.find("floor_alpha");
    const auto normalize = plan.parameters.find("normalize");
    auto host = pooled.to(at::kCPU, at::kFloat).contiguous(); // [S, P]
    return allocateAdaKvLayer(std::span<const float>(host.data_ptr<float>(), static_cast<std::size_t>(host.numel())),
                              static_cast<int>(host.size(0)), host.size(1), budget,
                              alpha == plan.parameters.end() ? 0.2 : alpha->second,
                              normalize == plan.parameters.end() || normalize->second != 0.0);
}

} // namespace

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

std::vector<std::vector<std::vector<int32_t>>> compressCaches(std::vector<std::unique_ptr<model::LayerKvCache>>& caches,
                                                              const std::vector<at::Tensor>& windowQueries,
                                                              const CompressionSpec& spec, const BudgetPlan& plan,
                                                              const ModelConfig& config, int64_t decodeRoom)
{
    const bool queryLayout = spec.layout == CacheLayout::QueryHeadFlattened;
    const bool adaptive = plan.method == "adakv";
    const int64_t kvHeads = config.numKvHeads, group = config.numHeads / config.numKvHeads;
    const int64_t sliding = config.slidingWindow.value_or(0);
    const double scale = 1.0 / std::sqrt(static_cast<double>(config.headDim));
    std::vector<std::vector<std::vector<int32_t>>> kept(caches.size());

    for (std::size_t l = 0; l < caches.size(); ++l) {
        const auto* full = dynamic_cast<const model::FullKvCache*>(caches[l].get());
        if (!full)
            throw UsageError("compressCaches: layer " + std::to_string(l) + " is already compressed");
        auto keys = full->keys(), values = full->values(); // [KV, T, d]
        const int64_t total = keys.size(1);
        const int64_t w = std::min<int64_t>(plan.window, total), prefix = total - w;
        const int layer = static_cast<int>(l);

        std::vector<int64_t> caps(static_cast<std::size_t>(plan.heads));
        for (int s = 0; s < plan.heads; ++s)
            caps[static_cast<std::size_t>(s)] = plan.at(layer, s);
        bool compresses = false;
        for (int64_t c : caps)
            compresses = compresses || c < prefix;
        at::Tensor pooled; // [S, P] selection scores of the stored heads
        if (compresses) {
            const auto& q = windowQueries.at(l); // [H, w', d]
            auto scores = observationScores(q.narrow(1, q.size(1) - w, w), keys, scale, sliding); // [H, P]
            pooled = poolAlongKeys(scores, spec.pooling, spec.poolingKernel);
            if (!queryLayout)
                pooled = reduceGroups(pooled, kvHeads, spec.scoreAggregation); // [KV, P]
            if (adaptive)
                caps = adaKvCapacities(plan, layer, pooled);
        }

        auto posOpts = at::TensorOptions().dtype(at::kLong).device(keys.device());
        auto window = at::arange(prefix, total, posOpts); // [w]
        std::vector<StoredHead> heads;
        kept[l].resize(caps.size());
        for (std::size_t s = 0; s < caps.size(); ++s) {
            const int64_t keep = std::min(caps[s], prefix);
            at::Tensor selected = keep == prefix ? at::arange(prefix, posOpts)
                                                 : std::get<1>(pooled[static_cast<int64_t>(s)].topk(keep, -1, true, true));
            auto positions = at::cat({selected, window}); // [keep + w] score order, then the window
            const int64_t source = queryLayout ? static_cast<int64_t>(s) / group : static_cast<int64_t>(s);
            heads.push_back(StoredHead{keys[source].index_select(0, positions), values[source].index_select(0, positions),
                                       positions});
            auto host = positions.to(at::kCPU, at::kInt).contiguous();
            kept[l][s].assign(host.data_ptr<int32_t>(), host.data_ptr<int32_t>() + host.numel());
        }
        caches[l] = std::make_unique<CompressedKvCache>(heads, decodeRoom, total, kvHeads, sliding);
    }
    return kept;
}

} // namespace headscope::compress
