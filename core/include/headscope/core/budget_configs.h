#pragma once
// The allocation plumbing `sweep` and `eval` share: checking a request of allocation methods ×
// budgets against a model before anything runs, and the compressed-cache spec of one method at
// one budget for one prompt (docs/algorithms.md §3–4).
#include "headscope/core/allocation_method.h"
#include "headscope/core/allocator.h"
#include "headscope/core/compression.h"
#include "headscope/core/model_config.h"
#include "headscope/core/score_matrix.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

// Throws UsageError, prefixed with `command`, when there is no method or budget, a budget does
// not exceed the window, or the allocation parameters are out of range at some budget
// (AllocationParams::validate). Needs no model: the CLI calls it before loading one.
void checkBudgetParams(const std::vector<AllocationMethod>& methods, const std::vector<int64_t>& budgets,
                       const AllocationParams& params, std::string_view command);

// checkBudgetParams, and also when headkv or dililazykv lack scores or the scores' shape is not
// the model's query heads.
void checkBudgetRequest(const std::vector<AllocationMethod>& methods, const std::vector<int64_t>& budgets,
                        const AllocationParams& params, const std::optional<ScoreMatrix>& scores,
                        const ModelConfig& model, std::string_view command);

// `base` with the plan of `method` at base capacity `budget` for a prompt of `promptLength` tokens
// (PyramidKV's prompt-length rules need it). `scores` may be null for uniform, pyramid and adakv.
std::shared_ptr<const CompressionSpec> compressionForBudget(AllocationMethod method, int64_t budget,
                                                            int64_t promptLength, const AllocationParams& params,
                                                            const ScoreMatrix* scores, const CompressionSpec& base,
                                                            const ModelConfig& model);

} // namespace headscope
