#pragma once
// Test gates (docs/algorithms.md decision (e)): the values every test keeps so that a threshold can
// be applied later.
//  - ROUGE-1 recall of real_needle against the response, ×100, with Porter stemming as the
//    Python rouge_score package does it (Retrieval Heads / HeadKV copy gate, §1A).
//  - LongBench qa-F1 of the response against the answer, ×100 (HeadKV-R2 gate, §1C).
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

// The references keep a test when its gate value (×100) is strictly greater than 50.
inline constexpr double kDefaultGateThreshold = 50.0;
inline bool passesGate(double gateValue, double threshold = kDefaultGateThreshold) { return gateValue > threshold; }

// Porter (1980) stemmer on one lowercase ASCII word, with the extensions of NLTK's default
// mode that rouge_score inherits (see gates documentation in core/scoring/porter_stemmer.cpp).
std::string porterStem(std::string_view word);

// rouge_score's tokenizer: lowercase, every char outside [a-z0-9] → space, split on whitespace,
// stem tokens longer than 3 characters when `stem` is true.
std::vector<std::string> rougeTokenize(std::string_view text, bool stem = true);

// ROUGE-1 recall ×100: |unigram overlap (clipped counts)| / |reference tokens| · 100.
// 0 when the reference has no tokens.
double rouge1Recall(std::string_view reference, std::string_view prediction);
// ROUGE-1 F-measure ×100 (the needle evaluation's stored score, docs/algorithms.md §2C).
double rouge1F(std::string_view reference, std::string_view prediction);

// LongBench normalize_answer: lowercase, drop ASCII punctuation, drop the words a/an/the,
// collapse whitespace.
std::string normalizeAnswer(std::string_view text);
// LongBench qa_f1_score ×100: token F1 of normalized prediction vs ground truth (Counter overlap).
double qaF1Score(std::string_view prediction, std::string_view groundTruth);

} // namespace headscope
