#pragma once
// Full cache vs compressed cache on the same prompt, for the Compare view and `compare`. Three
// runs at most:
//   1. full cache, greedy;
//   2. compressed cache, greedy (the side-by-side text);
//   3. compressed cache teacher-forced on run 1's tokens, only if 2 diverged from 1 — so every
//      step's KL(full ‖ compressed) and top-1 agreement compare distributions given the SAME
//      prefix, not two different continuations.
#include "headscope/core/generator.h"

#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <vector>

namespace headscope {

struct ComparisonRequest {
    std::vector<int32_t> promptIds;
    GenerateOptions options;                            // max tokens, stops, masks; compression ignored
    std::shared_ptr<const CompressionSpec> compression; // required
    std::optional<std::pair<int64_t, int64_t>> needleSpan; // [begin, end) in promptIds, if a needle prompt
};

struct StepComparison {
    int32_t fullToken = -1;
    int32_t compressedTop1 = -1; // compressed cache's top-1 given the full run's prefix
    double kl = 0.0;             // KL(full ‖ compressed) in nats
};

struct Comparison {
    GenerateResult full;
    GenerateResult compressed;       // free-running
    std::vector<StepComparison> steps; // [full.generatedIds.size()]
    std::optional<int> firstDivergence; // first step where the free-running tokens differ
    double meanKl = 0.0;
    double maxKl = 0.0;
    double top1Agreement = 0.0;      // fraction of steps with compressedTop1 == fullToken
    std::string compression;         // CompressionSpec::describe()
    // Per layer and stored head: how many needle tokens the compressed cache kept (empty
    // without a needle span), and the needle's length.
    std::vector<std::vector<int64_t>> needleKept;
    int64_t needleLength = 0;
    double needleKeptFraction = 0.0; // Σ needleKept / (stored heads × needleLength)
};

// KL(p ‖ q) in nats of two log-probability rows of equal length (≥ 0; −inf entries of p skipped).
double klDivergence(std::span<const float> logP, std::span<const float> logQ);

Comparison compareGeneration(Generator& engine, const ComparisonRequest& request, std::stop_token stop = {});

} // namespace headscope
