#pragma once
// The robustness sweep: every needle test with the full cache, then with a compressed cache for
// each allocation method × budget, every answer scored as the probe scores it (scoreAnswer).
#include "headscope/core/allocator.h"
#include "headscope/core/compression.h"
#include "headscope/core/generator.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/sweep_results.h"
#include "headscope/core/sweep_shards.h"

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
    std::vector<AllocationMethod> methods;
    std::vector<int64_t> budgets;      // base capacity C (window included)
    AllocationParams params;           // window, beta, temp, …; baseCapacity is set per budget
    std::optional<ScoreMatrix> scores; // needed by headkv and dililazykv
    CompressionSpec compression;       // pooling, kernel, layout, aggregations (plan ignored)
    GenerateOptions generation;        // max tokens, stops (compression ignored)
    int shardIndex = 0, shardCount = 1; // run only the tests at positions i, i+n, … (sweep_shards.h)
};

struct SweepProgress {
    int done = 0, total = 0;           // generations
    std::string label;                 // e.g. "headkv C=128 test 3"
};

// The tests of a probe grid (probeGrid order, ids 0, 1, …) with the prompts the probe would build.
std::vector<SweepTest> buildNeedleGrid(const PreparedProbe& probe, const Tokenizer& tokenizer);

// Throws UsageError naming the option when the sweep's methods, budgets or allocation parameters
// cannot run (no method or budget, a budget that does not exceed the window, any parameter
// AllocationParams::validate refuses). Front ends call it before loading a model.
void validateSweepParams(const SweepConfig& config);

// Runs the tests of the configured shard (all of them for 0/1); the results record the shard and
// the number of tests of the whole sweep. Throws UsageError before any generation if
// validateSweepParams does, the shard holds no test, a method needs scores that are missing, or
// the scores' shape is not the model's.
SweepResults runBudgetSweep(Generator& engine, const Tokenizer& tokenizer, const std::vector<SweepTest>& tests,
                            const SweepConfig& config, const std::function<void(const SweepProgress&)>& progress = {},
                            std::stop_token stop = {});

} // namespace headscope
