#pragma once
// The examples `eval` runs: JSONL in LongBench's fields or RULER's (docs/eval_format.md, "Input"),
// and how each benchmark dataset is asked and scored — LongBench's English prompt templates and
// answer lengths, RULER's task families — as a small built-in table. Plain data (headscope_core).
#include "headscope/core/eval_metrics.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace headscope {

enum class EvalFormat { LongBench, Ruler };
std::string_view evalFormatName(EvalFormat format); // "longbench" | "ruler"

struct EvalExample {
    int index = 0;        // 0-based among the file's examples (blank lines skipped)
    int line = 0;         // 1-based line in the file
    EvalFormat format = EvalFormat::LongBench;
    std::string dataset;  // LongBench "dataset", RULER "task" (HeadScope's extension); may be empty
    std::string id;       // LongBench "_id", RULER "index" (as text); may be empty
    std::string context;  // LongBench "context"; empty for RULER
    std::string input;    // LongBench "input" (the question), RULER "input" (the whole prompt)
    std::string answerPrefix;            // RULER "answer_prefix": appended after the (chat-wrapped) input
    std::vector<std::string> answers;    // LongBench "answers", RULER "outputs"
    std::vector<std::string> allClasses; // LongBench "all_classes" (classification datasets)
    std::optional<int64_t> length;       // "length" as the file gives it (words or tokens)
    std::optional<int64_t> maxLength;    // RULER-style files of make-tasks: the requested length
    std::optional<int> maxNewTokens;     // "max_new_tokens", when the file sets it
};

// Reads JSONL: one object per line, each in LongBench's fields (context, input, answers; optional
// all_classes, length, dataset, _id) or RULER's (input, outputs; optional answer_prefix, length,
// index, task, max_length, max_new_tokens). Throws FormatError naming file:line and the field
// (missing, or of the wrong type, with what was found), or LoadError for an unreadable file.
std::vector<EvalExample> readEvalJsonl(const std::filesystem::path& file);
std::vector<EvalExample> parseEvalJsonl(const std::string& text, const std::string& source);

// How one dataset is asked and scored.
struct DatasetRecipe {
    std::string promptTemplate;   // {context} and {input}; "{input}" for RULER
    int maxNewTokens = 32;
    EvalMetric metric = EvalMetric::QaF1;
    PredictionCleanup cleanup = PredictionCleanup::None;
    bool chat = true;             // false: never wrapped in a chat template (LongBench's few-shot and code sets)
    bool stopAtNewline = false;   // LongBench stops samsum at a newline
    bool builtIn = false;         // from the built-in table (false: the fallback)
};

// The built-in recipe for a LongBench English dataset ("hotpotqa", also "hotpotqa_e"), or
// nullopt for a dataset the table does not hold.
std::optional<DatasetRecipe> longBenchRecipe(const std::string& dataset);
// The LongBench datasets the table holds, in LongBench's order.
std::vector<std::string> longBenchDatasets();
// RULER: by the task family (the name up to the first '_': niah, vt, cwe, fwe, qa); unknown
// families get string_match_all and 128 tokens.
DatasetRecipe rulerRecipe(const std::string& task);
// The recipe for an example: LongBench's table (nullopt when the dataset is not in it) or RULER's.
std::optional<DatasetRecipe> recipeFor(const EvalExample& example);

// Python's str.format(**record) restricted to {context} and {input}: one pass, so braces that
// the substituted text contains stay as they are. Other {name} fields are a UsageError.
std::string fillPromptTemplate(const std::string& promptTemplate, const std::string& context, const std::string& input);

} // namespace headscope
