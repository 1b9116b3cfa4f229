#pragma once
// Applies a CompressionSpec to the full caches left by prefill: per layer, scores the prefix,
// picks each stored head's tokens and replaces the layer's FullKvCache by a CompressedKvCache.
#include "model/layer_kv_cache.h"

#include "headscope/core/compression.h"
#include "headscope/core/model_config.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace headscope::compress {

// The plan at the granularity the layout stores (KV heads or query heads).
BudgetPlan storedPlan(const CompressionSpec& spec, const ModelConfig& config);

// `plan` is storedPlan(spec, config), computed once by the caller (it also validates).
// windowQueries[l]: [H, w', d], the last w' = min(w, prompt) prompt queries of layer l.
// `decodeRoom` rows per stored head are reserved for generated tokens. Returns, per layer and
// stored head, the prompt positions kept (selected ones in score order, then the window).
std::vector<std::vector<std::vector<int32_t>>> compressCaches(std::vector<std::unique_ptr<model::LayerKvCache>>& caches,
                                                              const std::vector<at::Tensor>& windowQueries,
                                                              const CompressionSpec& spec, const BudgetPlan& plan,
                                                              const ModelConfig& config, int64_t decodeRoom);

} // namespace headscope::compress
