#pragma once
// Full model vs a variant on the same prompt — the one comparison the CLI (`compare`) and the
// GUI (Compare tab) run and show. The variant is a compressed KV cache under a budget plan, some
// query heads masked, or both. Three runs at most:
//   1. full, greedy;
//   2. variant, greedy (the side-by-side text and its first divergence);
//   3. variant teacher-forced on run 1's tokens, only if 2 diverged from 1 — so every step's
//      KL(full ‖ variant) and top-1 agreement compare distributions given the SAME prefix, not
//      two different continuations.
#include "headscope/core/generator.h"

#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

class Tokenizer;

struct ComparisonRequest {
    std::vector<int32_t> promptIds;
    GenerateOptions options; // max tokens, stops, heads masked in BOTH runs; compression and forcing ignored
    // The variant: a compressed cache under this plan, and/or these query heads zeroed.
    std::shared_ptr<const CompressionSpec> compression;
    std::vector<HeadRef> maskedHeads;
    std::optional<std::pair<int64_t, int64_t>> needleSpan; // [begin, end) in promptIds, if a needle prompt
    std::string promptSource; // names recorded ids, e.g. "probe test 3 of run.h5"; empty for typed prompts

    // Throws UsageError: empty prompt, no variant, needle span outside the prompt.
    void validate() const;
    // "Compressed: uniform, mean 120.0 + 8 tokens per head" | "2 heads masked: L0-H1, L3-H2" | both.
    std::string describeVariant() const;
};

struct StepComparison {
    int32_t fullToken = -1;
    int32_t variantTop1 = -1; // the variant's top-1 given the full run's prefix
    double kl = 0.0;          // KL(full ‖ variant) in nats
};

struct Comparison {
    std::string variant;       // ComparisonRequest::describeVariant()
    std::string compression;   // CompressionSpec::describe(), empty without compression
    std::string promptSource;  // ComparisonRequest::promptSource
    GenerateResult full;
    GenerateResult variantRun; // free-running
    std::vector<StepComparison> steps; // [full.generatedIds.size()]
    std::optional<int> firstDivergence; // first step where the free-running token ids differ
    double meanKl = 0.0;
    double maxKl = 0.0;
    double top1Agreement = 0.0; // fraction of steps with variantTop1 == fullToken
    // Compressed variants with a needle span: per layer and stored head how many needle tokens the
    // cache kept, the needle's length, and Σ needleKept / (stored heads × needleLength).
    std::vector<std::vector<int64_t>> needleKept;
    int64_t needleLength = 0;
    double needleKeptFraction = 0.0;
    // For display (describeTokens): each generated token's text, and the prompt decoded.
    std::vector<std::string> fullTokenTexts, variantTokenTexts;
    std::string promptText;
};

// KL(p ‖ q) in nats of two log-probability rows of equal length (≥ 0; −inf entries of p skipped).
double klDivergence(std::span<const float> logP, std::span<const float> logQ);

Comparison compareGeneration(Generator& generator, const ComparisonRequest& request, std::stop_token stop = {});

// Fills the display texts: every generated token decoded on its own and the prompt decoded, or,
// without a tokenizer (recorded ids on a checkpoint that has none), "⟨id⟩" per token and no prompt.
void describeTokens(Comparison& comparison, const Tokenizer* tokenizer);

} // namespace headscope
