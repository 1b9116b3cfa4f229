#pragma once
// `make-tasks`: RULER-style synthetic long-context tasks written by HeadScope (its own wording
// and generators, docs/eval_format.md "Generated tasks"), at any length measured in a given
// tokenizer's tokens, as JSONL in RULER's fields so `eval` runs them like any file. Every task
// uses the probe's prompt layout — filler prose from the synthetic haystack, facts inserted at
// sentence boundaries, DiliLazyKV's question template — so the bundled demo model meets the
// format it was trained on and a real model meets plain prose.
#include "headscope/core/tokenizer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class TaskKind {
    SingleNeedle, // "single"      one fact, asked for its value
    MultiKey,     // "multikey"    one fact asked among facts of other keys (distractors)
    MultiValue,   // "multivalue"  one key with several values, all asked for
    MultiQuery,   // "multiquery"  several facts, all asked for at once
    VariableTracking, // "vartrack" a chain of assignments from a value; every name holding it asked for
    CommonWords,  // "commonwords" a list of words; the most frequent ones asked for
};
std::string_view taskKindName(TaskKind kind);
// RULER's task name written in "task" (its family decides eval's metric and answer length):
// niah_single, niah_multikey, niah_multivalue, niah_multiquery, vt, cwe.
std::string_view taskRulerName(TaskKind kind);
TaskKind parseTaskKind(std::string_view name); // UsageError listing the names
std::vector<TaskKind> allTaskKinds();

struct TaskOptions {
    int keys = 4;         // multikey: facts in the context, the asked one included
    int values = 4;       // multivalue: values of the one key
    int queries = 3;      // multiquery: facts asked for at once
    int hops = 4;         // vartrack: names in the chain that holds the asked value
    int chains = 2;       // vartrack: chains, the asked one included (others hold other values)
    int commonWords = 10; // commonwords: words asked for
    int valueDigits = 4;  // digits of a fact's value (the demo model knows 4)
    uint64_t haystackSeed = 1; // the synthetic haystack's seed
};

struct GeneratedTask {
    int index = 0;
    std::string task;           // taskRulerName
    std::string input;          // the prompt up to the answer prefix
    std::string answerPrefix;   // "Answer:"
    std::vector<std::string> outputs;
    int64_t length = 0;         // prompt tokens + maxNewTokens (RULER's "length")
    int64_t maxLength = 0;      // the requested length
    int maxNewTokens = 0;
};

// The answer length make-tasks writes for a kind.
int taskMaxNewTokens(TaskKind kind);

// `count` tasks per length; the prompt (input + answer prefix, with the tokenizer's BOS policy)
// fits in length − maxNewTokens tokens of `tokenizer` and is at most a few tokens shorter.
// Deterministic for (seed, kind, length, index). Throws UsageError when a length is too short
// for the facts and question.
std::vector<GeneratedTask> generateTasks(const Tokenizer& tokenizer, TaskKind kind, const std::vector<int>& lengths,
                                         int count, uint64_t seed, const TaskOptions& options = {});
// One JSON object per line: index, task, input, answer_prefix, outputs, length, max_length,
// max_new_tokens.
std::string tasksToJsonl(const std::vector<GeneratedTask>& tasks);

} // namespace headscope
