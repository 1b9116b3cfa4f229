#pragma once
// ProbeRunner: runs a needle-in-a-haystack grid on a loaded model (a Generator) and records every test
// to an HDF5 session as it finishes. Each scored attention row is reduced at once to
// RowStats (no full rows are kept). Long runs report progress and stop between steps when
// the stop_token fires; the test in flight is then discarded and the session stays valid.
// Torch-free: it drives a Generator (the LibTorch Engine, or a fake in tests).
#include "headscope/core/generator.h"
#include "headscope/core/head_metrics.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/session.h"

#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

struct ProbeRunConfig {
    std::vector<Needle> needles;
    std::string haystackText;
    std::string haystackDescription;  // recorded in the manifest
    std::vector<int> lengths;
    std::vector<double> depths;       // fractions
    int topK = kDefaultTopKInfScore;
    ScoringMode mode = ScoringMode::AllRows;
    PromptOptions prompt;
    int maxNewTokens = 32;
    bool stopAtEos = true;
    bool stopAtNewline = false;
    bool stopAtAnswerLength = false;
    bool storeSteps = true;           // per-step RowStats datasets
    bool writeScores = true;          // the write-aware metrics (§1G): head writes and token readouts
    std::vector<int> fullRowTests;    // test ids whose complete rows are stored (float16)
    bool fullRowsForAll = false;      // … or every test
    std::filesystem::path out;
    bool resume = false;
    int shardIndex = 0, shardCount = 1; // run tests i, i+n, i+2n, …
};

struct ProbeProgress {
    int done = 0;        // tests finished in this run (including errors)
    int total = 0;       // tests this run will do
    int skipped = 0;     // already in the session (resume) or in other shards
    double elapsedSeconds = 0.0;
    double etaSeconds = 0.0;
    SessionTest last;    // the test just finished
};

struct ProbeSummary {
    int testsWritten = 0;
    int testsFailed = 0;
    int testsSkipped = 0;
    double seconds = 0.0;
};

class ProbeRunner {
public:
    ProbeRunner(Generator& generator, const Tokenizer& tokenizer);

    ProbeSummary run(const ProbeRunConfig& config, const std::function<void(const ProbeProgress&)>& progress = {},
                     std::stop_token stop = {});

    // The manifest this runner writes for `config` (for tests and for resume checks).
    SessionManifest manifestFor(const ProbeRunConfig& config) const;

private:
    Generator& m_generator;
    const Tokenizer& m_tokenizer;
};

} // namespace headscope
