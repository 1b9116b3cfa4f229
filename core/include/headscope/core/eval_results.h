#pragma once
// `eval` results: every example's answer under every configuration (full cache, or an allocation
// method at a budget) with its metric value, KV bytes and time, in an HDF5 file written example
// by example (layout: docs/eval_format.md), and the summary per dataset × method × budget with a
// bootstrap 95 % interval. Value types only; HDF5 stays in core/session/.
#include "headscope/core/allocation_method.h"
#include "headscope/core/bootstrap_ci.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace headscope {

inline constexpr int kEvalFormatVersion = 1;

// One configuration: method "full" (budget 0) or an allocation method at base capacity `budget`.
struct EvalConfigKey {
    std::string method;
    int64_t budget = 0;
    bool isFull() const { return method == "full"; }
    std::string label() const; // "full" | "headkv C=128"
    friend bool operator==(const EvalConfigKey&, const EvalConfigKey&) = default;
};

// One example answered under one configuration.
struct EvalOutcome {
    EvalConfigKey config;
    std::string prediction;    // decoded answer, special tokens skipped, before the metric's cleanup
    double score = 0.0;        // the example's metric ×100
    int64_t kvBytes = 0;       // K and V bytes held after prefill
    double seconds = 0.0;      // wall time of the generation
    double prefillMs = 0.0;
    double decodeMsPerToken = 0.0;
    int generatedTokens = 0;
};

struct EvalRecord {
    int index = 0;             // position among the input file's examples
    int line = 0;              // line in the input file
    std::string format;        // "longbench" | "ruler"
    std::string dataset;       // "" when the file names none
    std::string id;            // "_id" / "index" when the file has one
    std::string metric;        // EvalMetric name used for this example
    std::string question;      // LongBench "input"; RULER: "" (the input is the whole prompt)
    std::string answerPrefix;  // RULER "answer_prefix"
    std::vector<std::string> answers;
    std::vector<std::string> allClasses;
    std::optional<int64_t> length;    // as the file gives it
    std::optional<int64_t> maxLength; // make-tasks' requested length
    int maxNewTokens = 0;
    int64_t promptTokens = 0;   // tokens fed to the model
    int64_t originalTokens = 0; // tokens before middle truncation (= promptTokens when not truncated)
    bool truncated = false;
    std::vector<int32_t> promptIds; // the ids fed to the model (read on demand by EvalReader)
    std::vector<EvalOutcome> outcomes; // one per configuration, in the manifest's order

    const EvalOutcome* outcome(const EvalConfigKey& key) const;
};

// What a run was: the keys resume and merge compare, and the rest recorded for the reader.
struct EvalManifest {
    std::string json;               // the whole manifest (format, version, model, data, …)
    std::vector<EvalConfigKey> configs; // evaluation order: full first when asked, then method-major
    int examplesTotal = 0;          // examples in the input after --limit (all shards together)
    int shardIndex = 0, shardCount = 1;
    uint64_t bootstrapSeed = 0;
    std::string model;              // the "model" the run recorded (a checkpoint path or id; "" if none)
};

// The configurations: "full" first when asked, then methods × budgets (method-major).
std::vector<EvalConfigKey> evalConfigs(bool full, const std::vector<AllocationMethod>& methods,
                                       const std::vector<int64_t>& budgets);

// Builds a manifest: `fields` (a JSON object of run settings) plus format, version, configs,
// examples_total, shard and bootstrap seed.
EvalManifest makeEvalManifest(const std::string& fieldsJson, const std::vector<EvalConfigKey>& configs,
                              int examplesTotal, int shardIndex, int shardCount, uint64_t bootstrapSeed);
EvalManifest parseEvalManifest(const std::string& json, const std::string& source); // FormatError naming source

struct EvalSummaryRow {
    std::string dataset;        // "" when the file names none
    int64_t maxLength = 0;      // make-tasks' requested length (RULER files); 0 when the file has none
    EvalConfigKey config;
    std::string metric;         // the metric of the dataset's examples ("mixed" if they differ)
    MeanInterval score;         // ×100
    std::optional<MeanInterval> vsFull; // paired difference to the full cache, when it ran
    double kvBytesMean = 0.0;
    double kvFractionOfFull = 0.0; // mean bytes / full cache's mean bytes (0 without a full run)
    double secondsMean = 0.0;
    int truncated = 0;          // examples whose context was cut in the middle
};

// Per dataset and requested length (in order of first appearance) × configuration (manifest order).
std::vector<EvalSummaryRow> summarizeEval(const std::vector<EvalRecord>& records, const std::vector<EvalConfigKey>& configs,
                                          uint64_t seed, int resamples = kDefaultBootstrapResamples);
std::string evalSummaryToJson(const std::vector<EvalSummaryRow>& rows);

class EvalWriter {
public:
    // Creates a new file (UsageError if it exists) or, with resume, reopens one whose manifest
    // agrees on every key except "created"; finished examples are kept, a half-written one dropped.
    static std::unique_ptr<EvalWriter> create(const std::filesystem::path& path, const EvalManifest& manifest);
    static std::unique_ptr<EvalWriter> resume(const std::filesystem::path& path, const EvalManifest& manifest);
    ~EvalWriter();

    const std::set<int>& finished() const; // example indices already in the file
    const std::vector<EvalRecord>& records() const; // every finished example (without prompt ids)
    // Writes the example (record, prompt ids, then its completion mark) and flushes the file.
    void append(const EvalRecord& record);
    // Replaces /summary (JSON text).
    void writeSummary(const std::string& summaryJson);

private:
    EvalWriter();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

class EvalReader {
public:
    static std::unique_ptr<EvalReader> open(const std::filesystem::path& path);
    static bool isEvalFile(const std::filesystem::path& path); // an HDF5 file whose manifest says headscope-eval
    ~EvalReader();

    const std::filesystem::path& path() const;
    const EvalManifest& manifest() const;
    const std::vector<EvalRecord>& records() const; // complete examples by index, without prompt ids
    std::vector<int32_t> promptIds(int index) const; // FormatError when the file has none for it
    std::vector<EvalSummaryRow> summary(int resamples = kDefaultBootstrapResamples) const; // with the manifest's seed

private:
    EvalReader();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

struct EvalMergeReport {
    int examples = 0;           // examples in the merged file
    int examplesTotal = 0;      // examples of the evaluation (after --limit)
    std::vector<int> missing;   // indices no input holds
    bool upToDate = false;      // `out` already held exactly this merge; nothing written
};
// Joins shards of one evaluation (eval --shard i/n) by the probe merge's rules: the inputs must
// share one manifest apart from the shard and timestamps, each shard index may appear once, every
// example must lie in its own shard (index mod n); missing examples are refused unless
// `allowMissing`. `out` is written only when the merge succeeds (through a temporary file);
// an `out` that already holds this very merge is left as it is (upToDate), any other is refused.
EvalMergeReport mergeEvalResults(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
                                 bool allowMissing = false);

} // namespace headscope
