#pragma once
// Answer metrics of the long-context benchmarks `eval` runs (docs/eval_format.md, "Metrics"):
// LongBench's scorers with its normalisation, RULER's string match, and the plain exact and
// substring matches. Every function here follows its reference's arithmetic, quirks included
// (each departure is listed in docs/eval_format.md); values are fractions in [0, 1] as the
// references return them, and scoreExample gives the ×100 value `eval` stores.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class EvalMetric {
    QaF1,            // "qa_f1"             LongBench qa_f1_score: token F1 after normalize_answer
    RougeL,          // "rouge_l"           LongBench rouge_score: the rouge package's ROUGE-L F
    ExactMatch,      // "exact_match"       normalize_answer(prediction) == normalize_answer(answer)
    Substring,       // "substring"         normalize_answer(answer) occurs in normalize_answer(prediction)
    Classification,  // "classification"    LongBench classification_score (needs all_classes)
    Count,           // "count"             LongBench count_score (passage_count)
    Retrieval,       // "retrieval"         LongBench retrieval_score (passage_retrieval_en)
    CodeSim,         // "code_sim"          LongBench code_sim_score (lcc, repobench-p)
    StringMatchAll,  // "string_match_all"  RULER: share of the references found in the prediction
    StringMatchPart, // "string_match_part" RULER: 1 if any reference is found
};

std::string_view evalMetricName(EvalMetric metric);
// Accepts the names above; throws UsageError listing them otherwise.
EvalMetric parseEvalMetric(std::string_view name);
std::vector<EvalMetric> allEvalMetrics();

// LongBench's per-answer functions, each taking one prediction and one ground truth.
double rougeLScore(std::string_view prediction, std::string_view reference);
double exactMatchScore(std::string_view prediction, std::string_view reference);
double substringMatchScore(std::string_view prediction, std::string_view reference);
double classificationScore(std::string_view prediction, std::string_view reference,
                           const std::vector<std::string>& allClasses);
double countScore(std::string_view prediction, std::string_view reference);
double retrievalScore(std::string_view prediction, std::string_view reference);
double codeSimScore(std::string_view prediction, std::string_view reference);
// fuzzywuzzy's fuzz.ratio on code points with python-Levenshtein's ratio (indel distance):
// round(100·(|a|+|b|−d)/(|a|+|b|)), 100 for equal strings, 0 when one is empty.
int fuzzRatio(std::string_view a, std::string_view b);

// RULER over one prediction and its reference list (case-insensitive substring tests).
double stringMatchAll(std::string_view prediction, const std::vector<std::string>& references);
double stringMatchPart(std::string_view prediction, const std::vector<std::string>& references);

// What the references do to a raw prediction before scoring it.
enum class PredictionCleanup {
    None,
    FirstLine,   // LongBench for trec, triviaqa, samsum, lsht: lstrip('\n').split('\n')[0]
    RulerStrip,  // RULER: strip, control characters U+0000..U+001F → '\n', strip again
};
std::string cleanPrediction(std::string_view prediction, PredictionCleanup cleanup);

// One example's score ×100: the RULER metrics take the answer list as a whole; every other
// metric is the maximum over the answers (LongBench), 0 for an empty list.
double scoreExample(EvalMetric metric, std::string_view prediction, const std::vector<std::string>& answers,
                    const std::vector<std::string>& allClasses = {});

} // namespace headscope
