#pragma once
// HDF5 probe sessions (layout: docs/session_format.md). Value types only; HDF5 stays in
// core/session/*.cpp. A writer appends one test at a time and flushes, so a run killed at any
// moment keeps every finished test; a reader is lazy about per-step data and aggregates the
// stored per-test matrices with a gate and threshold chosen at read time.
#include "headscope/core/head_metrics.h"
#include "headscope/core/score_matrix.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace headscope {

inline constexpr int kSessionFormatVersion = 1;

struct SessionManifest {
    int formatVersion = kSessionFormatVersion;
    std::string headscopeVersion;
    std::string modelPath;
    std::vector<std::string> weightSha256;  // "file-name sha256"
    std::string configJson;
    std::string tokenizerSha256;
    std::string haystack;        // "synthetic seed=S" or "dir PATH sha256=…"
    std::string needlesJsonl;
    std::vector<int> lengths;
    std::vector<double> depths;  // fractions
    int topK = kDefaultTopKInfScore;
    std::string mode = "all-steps"; // | "last-row"
    // Generation settings, recorded so a resume with other values is refused (they change
    // the scores). maxNewTokens 0: a session from before they were recorded.
    int maxNewTokens = 0;
    bool stopAtEos = true;
    bool stopAtNewline = false;
    bool stopAtAnswerLength = false;
    // Query heads whose attention output was zeroed in every test ("L-H,…", head_list.h); empty
    // for the model as it is. A session with masked heads is an ablation, not the model's map.
    std::string maskedHeads;
    std::string promptTemplate;
    std::string chatTemplate = "none";
    bool addBos = true;
    std::string device, dtype;
    int layers = 0, heads = 0, kvHeads = 0, headDim = 0;
    int shardIndex = 0, shardCount = 1;
    std::string importedFrom;    // score file path + sha256 for imported sessions
    // Metrics the tests hold (names of head_metrics.h). Empty: every metric (probe sessions).
    std::vector<std::string> metrics;
    std::string headGranularity = "query"; // "kv": the head axis is KV heads (imported without a model)
    // "fnv1a64": every test dataset carries the hash of its bytes and /tests its count of
    // complete tests, and the reader requires both (set by SessionWriter; "" in older sessions).
    std::string checksums;
    std::string created, updated;
};

// What is kept of one scored row step for every (layer, head): enough to recompute all
// metrics (docs/algorithms.md decision (d)).
struct StoredStep {
    int32_t token = -1;
    std::vector<RowStats> rows; // [layers, heads]
    std::vector<double> write, writeNeedle; // [layers, heads] §1G contributions; empty when not measured
};

// The complete attention rows of one scored step, kept only for tests the user chose:
// float16 bit patterns [layers, heads, rowLength] (rowLength = keys visible to that row).
struct FullAttentionRows {
    int step = 0;
    int64_t rowLength = 0;
    std::vector<uint16_t> f16;
};

struct SessionTest {
    int id = 0;
    int length = 0;
    double depth = 0.0;
    int needleIndex = 0;
    int64_t spanStart = 0, spanEnd = 0;
    std::string spanMethod;
    int64_t promptLength = 0;
    std::vector<int32_t> promptIds; // written when set; read on demand (SessionReader::promptIds)
    std::string status = "ok";   // "ok" | "error"
    std::string error;
    std::vector<int32_t> generatedIds;
    std::string text;
    double rouge1Recall = 0.0;   // ×100
    double qaF1 = 0.0;           // ×100
    TestHeadScores scores;       // per-test metrics (mean/sum over scored rows)

    // The needle's [begin, end) in the prompt ids; absent when none was recorded (error tests).
    std::optional<std::pair<int64_t, int64_t>> needleSpan() const
    {
        return spanEnd > spanStart ? std::optional(std::make_pair(spanStart, spanEnd)) : std::nullopt;
    }
};

enum class Gate { None, Rouge1, QaF1 };
Gate parseGate(const std::string& name); // "none" | "rouge1" | "qaf1"

struct SessionQuery {
    HeadMetric metric = HeadMetric::Inf;
    Gate gate = Gate::None;
    double threshold = 50.0;     // accepted: gate value > threshold
    std::vector<int> lengths;    // empty: all
    std::vector<double> depths;  // empty: all
};

struct SessionAggregate {
    ScoreMatrix mean;                          // [layers, heads]
    std::vector<double> ci95;                  // [layers, heads] half-width of the 95 % CI
    std::vector<std::vector<double>> lists;    // [layers*heads][accepted tests]
    int testsAccepted = 0;
    int testsConsidered = 0;
};

// How SessionWriter::create places a new session (the rules of OutputTarget, output_file.h).
// The manifest is written to a staging file that is renamed into place before create()
// returns, so a session is never half-created, and from then on a run killed at any moment
// keeps its finished tests. Whole-file writers (merge, import-scores) are given a staging path
// by their caller's OutputTarget instead, so a refused run leaves nothing behind.
struct SessionCreateOptions {
    bool replace = false; // an existing session at the path may be replaced (--force)
};

// Space a test took in the file and the space reserved for it beforehand.
struct SessionAppendStats {
    uint64_t reservedBytes = 0;
    uint64_t usedBytes = 0;
};

class SessionWriter {
public:
    // Creates a new session (refused if something is at the path, unless options.replace and
    // it is a session) or, with resume, reopens one whose manifest must agree on every setting
    // that changes results (the refusal names the setting and both values).
    static std::unique_ptr<SessionWriter> create(const std::filesystem::path& path, const SessionManifest& manifest,
                                                 const SessionCreateOptions& options = {});
    static std::unique_ptr<SessionWriter> resume(const std::filesystem::path& path, const SessionManifest& manifest);
    ~SessionWriter();

    bool hasTest(int length, double depth, int needleIndex) const;
    int nextTestId() const;
    // Writes the test (and its per-step statistics when given) and flushes the file. Space for
    // it is reserved on disk first, so a full disk or a file-size limit is a WriteError before
    // HDF5 touches the file: every earlier test stays readable and --resume continues.
    void appendTest(const SessionTest& test, const std::vector<StoredStep>& steps,
                    const std::vector<FullAttentionRows>& fullRows = {});
    const SessionAppendStats& lastAppend() const;
    // On by default. Off only in tests that exercise a write failing inside HDF5.
    void setSpaceReservation(bool on);

private:
    SessionWriter();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

class SessionReader {
public:
    static std::unique_ptr<SessionReader> open(const std::filesystem::path& path);
    ~SessionReader();

    const std::filesystem::path& path() const;
    const SessionManifest& manifest() const;
    const std::vector<SessionTest>& tests() const; // complete tests only, by id
    const SessionTest* test(int testId) const;     // null when there is no complete test with this id
    std::vector<StoredStep> steps(int testId) const; // read on demand
    // The token ids the model was fed for a test (read on demand). Throws FormatError when the
    // session has none for it (older sessions, error tests).
    std::vector<int32_t> promptIds(int testId) const;
    // Steps whose full rows were stored for a test (empty if none), and one step's rows as
    // float32 [layers, heads, rowLength]. Throws FormatError if that step has no stored rows.
    std::vector<int> fullRowSteps(int testId) const;
    std::vector<float> fullRows(int testId, int step, int64_t* rowLength = nullptr) const;
    // Lenient: a query that matches nothing gives an empty aggregate (the GUI's live filters).
    SessionAggregate aggregate(const SessionQuery& query) const;
    // The same, for commands that write or report the result: throws UsageError naming the
    // session when the metric is not among heldMetrics() (listing those it holds), when the
    // threshold is not finite, and when the length/depth filters or the gate leave no test
    // (saying which filter matched nothing and what the session has).
    SessionAggregate aggregateStrict(const SessionQuery& query) const;
    // Metrics the session's tests hold: the manifest's list; for imported sessions written
    // before the list existed, the metrics with any non-zero value; else every metric.
    std::vector<HeadMetric> heldMetrics() const;
    // The metric commands use when none is asked for: inf when held, else the first held one.
    HeadMetric defaultMetric() const;

private:
    SessionReader();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace headscope
