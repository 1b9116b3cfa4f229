#pragma once
// ProbeRunner: runs a needle-in-a-haystack grid on a loaded model (a Generator) and records every test
// to an HDF5 session as it finishes. Each scored attention row is reduced at once to
// RowStats (no full rows are kept). Long runs report progress and stop between steps when
// the stop_token fires; the test in flight is then discarded and the session stays valid.
// Torch-free: it drives a Generator (the LibTorch Engine, or a fake in tests).
#include "headscope/core/generator.h"
#include "headscope/core/head_metrics.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/session.h"

#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

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

    // prepareProbe(request, tokenizer), then every test of the grid not yet in the session (and
    // in this shard). Throws UsageError / LoadError before writing anything if the request is bad.
    ProbeSummary run(const ProbeRequest& request, const std::function<void(const ProbeProgress&)>& progress = {},
                     std::stop_token stop = {});

    // The manifest this runner writes for a prepared probe (for tests and for resume checks).
    SessionManifest manifestFor(const PreparedProbe& probe) const;

private:
    Generator& m_generator;
    const Tokenizer& m_tokenizer;
};

} // namespace headscope
