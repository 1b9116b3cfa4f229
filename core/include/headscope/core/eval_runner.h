#pragma once
// The `eval` run: every example of a LongBench/RULER file answered with the full cache and with a
// compressed cache for each allocation method × budget, each answer scored with its dataset's
// metric and written to the results file as soon as the example's configurations are done
// (docs/eval_format.md). Torch-free: it drives a Generator (the LibTorch Engine, or a fake in
// tests). Resume and --shard i/n as the probe has them; a stop request ends it between
// generations and discards only the example in flight.
#include "headscope/core/allocation_method.h"
#include "headscope/core/allocator.h"
#include "headscope/core/compression.h"
#include "headscope/core/eval_data.h"
#include "headscope/core/eval_results.h"
#include "headscope/core/generator.h"
#include "headscope/core/score_matrix.h"
#include "headscope/core/tokenizer.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

struct EvalPromptOptions {
    std::optional<std::string> promptTemplate; // --template: replaces every LongBench dataset's template
    bool chat = false;                         // wrap in the tokenizer's chat template where the dataset allows it
    std::optional<int64_t> maxLength;          // tokens; default: the model's window minus the answer length
};

struct EvalPrompt {
    std::vector<int32_t> ids;
    int64_t originalTokens = 0; // before middle truncation
    bool truncated = false;
};

// LongBench's order: fill the template; if its tokens exceed `maxLength`, keep the first and the
// last maxLength/2 tokens (decoded and joined as text); then the chat template (or the family's
// BOS) and, for RULER, the answer prefix after it.
EvalPrompt buildEvalPrompt(const Tokenizer& tokenizer, const EvalExample& example, const DatasetRecipe& recipe,
                           const EvalPromptOptions& options, int64_t maxLength);

struct EvalRunConfig {
    bool full = true;                   // answer every example with the full cache too (first)
    std::vector<AllocationMethod> methods;
    std::vector<int64_t> budgets;       // base capacities C (window included)
    AllocationParams params;            // window, beta, temp, …; baseCapacity is set per budget
    std::optional<ScoreMatrix> scores;  // needed by headkv and dililazykv
    CompressionSpec compression;        // pooling, kernel, layout, aggregations (plan ignored)
    EvalPromptOptions prompt;
    std::optional<int> maxNewTokens;    // replaces every dataset's answer length
    std::optional<EvalMetric> metric;   // replaces every dataset's metric
    bool stopAtNewline = false;         // every answer ends at its first newline token
    std::filesystem::path out;
    std::string manifestFieldsJson;     // a JSON object the caller records (model, data, device, …)
    bool resume = false;
    int shardIndex = 0, shardCount = 1; // examples i, i+n, i+2n, …
    uint64_t bootstrapSeed = 0;
    int bootstrapResamples = kDefaultBootstrapResamples;
};

struct EvalProgress {
    int done = 0, total = 0;           // generations in this run
    int examplesDone = 0, examplesTotal = 0;
    int skipped = 0;                   // examples already in the file or in other shards
    double elapsedSeconds = 0.0, etaSeconds = 0.0;
    std::string label;                 // e.g. "example 12 (hotpotqa), headkv C=128"
};

struct EvalRunSummary {
    int examplesWritten = 0;
    int examplesSkipped = 0;
    double seconds = 0.0;
    std::vector<EvalSummaryRow> rows;  // over every example in the file, this run's and earlier ones
};

// Throws UsageError before any generation when a method, budget or score shape is wrong, or an
// example's dataset has no built-in recipe and no --template was given (naming the line).
EvalRunSummary runEval(Generator& generator, const Tokenizer& tokenizer, const std::vector<EvalExample>& examples,
                       const EvalRunConfig& config, const std::function<void(const EvalProgress&)>& progress = {},
                       std::stop_token stop = {});

} // namespace headscope
