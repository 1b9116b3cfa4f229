#pragma once
// Applies a CompressionSpec to the full caches left by prefill: per layer, scores the prefix,
// asks the plan for the stored heads' capacities (layerCapacities: fixed, or Ada-KV's split
// from these very scores), picks each stored head's tokens and builds a CompressedKvCache.
#include "model/layer_kv_cache.h"

#include "headscope/core/compression.h"
#include "headscope/core/model_config.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace headscope::compress {

// The plan at the granularity the layout stores (KV heads or query heads).
BudgetPlan storedPlan(const CompressionSpec& spec, const ModelConfig& config);

struct CompressedCaches {
    model::LayerCaches caches; // [layers] one CompressedKvCache per layer, for decode
    // Per layer and stored head, the prompt positions kept (selected ones in score order,
    // then the window). [layers][stored_heads][kept]
    std::vector<std::vector<std::vector<int32_t>>> keptPositions;
};

// Consumes prefill's full caches (their memory is released layer by layer) and returns the
// compressed caches decode runs on. `plan` is storedPlan(spec, config), computed once by the
// caller (it also validates). windowQueries[l]: [H, w', d], the last w' = min(w, prompt)
// prompt queries of layer l. `decodeRoom` rows per stored head are reserved for generated
// tokens. params(l) gives layer l's attention parameters (scale, sliding window).
CompressedCaches compressCaches(model::FullCaches caches, const std::vector<at::Tensor>& windowQueries,
                                const CompressionSpec& spec, const BudgetPlan& plan, const ModelConfig& config,
                                int64_t decodeRoom, const std::function<model::AttentionParams(int64_t)>& params);

} // namespace headscope::compress
