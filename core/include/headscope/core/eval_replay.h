#pragma once
// Looking back at an `eval` results file: the examples where a compressed cache scored unlike the
// full cache (one rule for `eval-report --disagreements` and the GUI's Eval tab), and the
// settings a run recorded in its manifest, so one example under one configuration can be run
// again (the GUI opens it in the Compare tab) with the very plan the run used.
#include "headscope/core/allocator.h"
#include "headscope/core/compression.h"
#include "headscope/core/eval_results.h"
#include "headscope/core/model_config.h"
#include "headscope/core/score_matrix.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace headscope {

// records[record].outcomes[outcome] is a compressed configuration whose score differs from the
// same example's full-cache score. In record order, then configuration order; examples without
// a full-cache outcome are skipped.
struct EvalDisagreement {
    std::size_t record = 0;
    std::size_t outcome = 0;
};
std::vector<EvalDisagreement> evalDisagreements(const std::vector<EvalRecord>& records);

// What an eval run's plans were made from: the allocation parameters (window, beta, temp, Ada-KV
// floor) and the compressed cache's selection settings (pooling, kernel, layout, aggregations).
struct EvalRunSettings {
    AllocationParams params;
    CompressionSpec compression;  // plan empty: one per configuration and prompt
    std::string scoresProvenance; // the head scores headkv/dililazykv used ("" when none)
};
// Reads them from the manifest's JSON; FormatError naming `source` and the key when one is
// missing or malformed.
EvalRunSettings evalRunSettings(const EvalManifest& manifest, const std::string& source);

// The compressed cache of `config` for a prompt of `promptTokens` tokens, as the run built it;
// null for the full cache. UsageError when the method needs head scores and `scores` is null or
// of another shape than the model's query heads.
std::shared_ptr<const CompressionSpec> evalCompression(const EvalRunSettings& settings, const EvalConfigKey& config,
                                                       int64_t promptTokens, const ScoreMatrix* scores,
                                                       const ModelConfig& model);

} // namespace headscope
