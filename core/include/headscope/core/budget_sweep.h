#pragma once
// The robustness sweep: every needle test with the full cache, then with a compressed cache for
// each allocation method × budget, scored with the probe's gates (ROUGE-1 recall, qa-F1).
#include "headscope/core/allocator.h"
#include "headscope/core/compression.h"
#include "headscope/core/generator.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/sweep_results.h"

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

struct SweepTest {
    SweepTestInfo info;
    std::vector<int32_t> promptIds;
    Needle needle; // real_needle and answer are the references
};

struct SweepConfig {
    std::vector<std::string> methods;  // uniform | pyramid | adakv | headkv | dililazykv
    std::vector<int64_t> budgets;      // base capacity C (window included)
    AllocationParams params;           // window, beta, temp, …; baseCapacity is set per budget
    std::optional<ScoreMatrix> scores; // needed by headkv and dililazykv
    CompressionSpec compression;       // pooling, kernel, layout, aggregations (plan ignored)
    GenerateOptions generation;        // max tokens, stops (compression ignored)
};

struct SweepProgress {
    int done = 0, total = 0;           // generations
    std::string label;                 // e.g. "headkv C=128 test 3"
};

// The tests of a probe grid (lengths × depths × needles, in that nesting), ids 0, 1, …
std::vector<SweepTest> buildNeedleGrid(const Tokenizer& tokenizer, const std::string& haystack,
                                       const std::vector<Needle>& needles, const std::vector<int>& lengths,
                                       const std::vector<double>& depths, const PromptOptions& options);

// Throws UsageError before any generation if a method is unknown or needs scores that are missing.
SweepResults runBudgetSweep(Generator& engine, const Tokenizer& tokenizer, const std::vector<SweepTest>& tests,
                            const SweepConfig& config, const std::function<void(const SweepProgress&)>& progress = {},
                            std::stop_token stop = {});

} // namespace headscope
