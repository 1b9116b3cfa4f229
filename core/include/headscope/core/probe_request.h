#pragma once
// ProbeRequest: everything a user decides about a probe run, as one value. The CLI (`probe`) and
// the GUI (Probe tab) fill it from their controls, validate() is the one place its options are
// checked, and prepareProbe() is the one place the model's tokenizer turns it into what the run
// feeds the model (prompt template, BOS policy, chat template, haystack text) — so the same
// settings give the same prompt ids whichever front end started the run.
#include "headscope/core/generator.h"
#include "headscope/core/haystack.h"
#include "headscope/core/head_metrics.h"
#include "headscope/core/model_config.h"
#include "headscope/core/probe_config.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

std::string_view scoringModeName(ScoringMode mode); // "all-steps" | "last-row"
ScoringMode parseScoringMode(std::string_view name); // throws UsageError listing both

struct ProbeRequest {
    std::vector<Needle> needles = defaultNeedles();
    HaystackSpec haystack;                  // default: synthetic, seed 1
    std::vector<int> lengths;               // context lengths in tokens
    std::vector<double> depths;             // needle depths, fractions in [0, 1]
    int topK = kDefaultTopKInfScore;        // K of the InfScore top-K
    ScoringMode mode = ScoringMode::AllRows;
    std::string promptTemplate = kDiliLazyKVTemplate; // {context} and {question}
    bool chat = false;                      // wrap prompts in the tokenizer's chat template
    int maxNewTokens = 32;
    bool stopAtEos = true;
    bool stopAtNewline = false;
    bool stopAtAnswerLength = false;        // generate as many tokens as the answer has
    bool storeSteps = true;                 // per-step row statistics
    bool writeScores = true;                // the write-aware metrics (docs/algorithms.md §1G)
    // Query heads whose attention output is zeroed in every test (an ablation; recorded in the
    // manifest as masked_heads). Empty: the model as it is.
    std::vector<HeadRef> maskedHeads;
    std::vector<int> storeRowsOf;           // test ids whose complete attention rows are stored
    bool storeRowsOfAll = false;            // … or every test's
    std::filesystem::path out;              // the session file
    bool resume = false;                    // continue `out`, skipping finished tests
    bool replace = false;                   // replace a session at `out` (--force; never a file of another kind)
    int shardIndex = 0, shardCount = 1;     // run tests i, i+n, i+2n, …

    // Throws UsageError naming the option (as the CLI spells it) and the value for the first bad
    // one: numbers out of range, blank needles, duplicate depths, a template without its
    // placeholders, --store-rows ids outside the grid, --resume with --force.
    void validate() const;
    // Throws UsageError when `out` may not be written (output_file.h): something there without
    // `replace`, a file of another kind, a session a probe is writing; with `resume`, anything
    // there but a session. The session writer enforces the same; this says so before a model
    // is loaded.
    void validateOutput() const;
    // Tests in the grid: lengths × depths × needles (before sharding and resume).
    int testCount() const;
    // "3 lengths × 3 depths × 3 needles = 27 tests"
    std::string describeGrid() const;
};

// Text forms shared by the front ends (errors name `what`, e.g. "--lengths" or "Context lengths").
// "1000, 2000" → {1000, 2000}; every item a positive integer.
std::vector<int> parseLengths(std::string_view text, std::string_view what);
// --store-rows / "Store full rows of": "all" → every test, "0, 3" → those test ids, "" → none.
struct StoreRowsChoice {
    bool all = false;
    std::vector<int> ids;
};
StoreRowsChoice parseStoreRows(std::string_view text, std::string_view what);
// "i/n" → {i, n}.
std::pair<int, int> parseShard(std::string_view text);

// The run as the model will see it: the request (validated), its haystack text (with the sha256
// recorded for directories and files), and the prompt options the tokenizer dictates.
struct PreparedProbe {
    ProbeRequest request;
    std::string haystackText;
    PromptOptions prompt;
};

// The request's prompt options under this tokenizer: its template, the tokenizer's BOS policy
// (Tokenizer::addsBosByDefault) and, with chat, its chat template.
PromptOptions promptOptionsFor(const ProbeRequest& request, const Tokenizer& tokenizer);
// validate(), read the haystack, promptOptionsFor(). Throws UsageError / LoadError, also when
// the shortest length cannot hold a needle's prompt (template, question, needle and the room
// kept for the answer): every test of that length would be longer than it says.
PreparedProbe prepareProbe(const ProbeRequest& request, const Tokenizer& tokenizer);

// What the run can do but the user should know, one sentence each naming the option: contexts
// (plus new tokens) beyond the model's max_position_embeddings, braces in the template that
// are not placeholders. The CLI prints them; the GUI shows them.
std::vector<std::string> probeWarnings(const ProbeRequest& request, const ModelConfig& model);

// One test of the grid, in the run's order (lengths outermost, needles innermost).
struct ProbeGridTest {
    int index = 0; // position in the full grid; shards take index % n == i
    int length = 0;
    double depth = 0.0;
    int needle = 0;
};
std::vector<ProbeGridTest> probeGrid(const ProbeRequest& request);

} // namespace headscope
