#pragma once
// How a generated answer is scored against its needle: the one rule the probe (session gates)
// and the budget sweep (accuracy vs budget) share, so their numbers mean the same thing.
#include "headscope/core/probe_config.h"

#include <cstdint>
#include <span>
#include <string>

namespace headscope {

struct AnswerScore {
    std::string text;    // the answer as scored: special tokens skipped, surrounding whitespace trimmed
    double rouge1 = 0.0; // ROUGE-1 recall of real_needle ×100 (the Retrieval Heads gate)
    double qaF1 = 0.0;   // LongBench qa-F1 against the answer ×100 (the HeadKV-R2 gate)
};

// Decodes `generatedIds` with special tokens skipped — an emitted EOS or end-of-turn token is no
// part of the answer — trims spaces, tabs and newlines at both ends, and scores the text.
AnswerScore scoreAnswer(const Tokenizer& tokenizer, std::span<const int32_t> generatedIds, const Needle& needle);

} // namespace headscope
