#pragma once
// Accuracy vs KV budget per allocation method over a probe grid (the curve HeadKV reports to
// compare its allocation with SnapKV, PyramidKV and Ada-KV), and its HDF5 file (layout in
// docs/sweep_format.md). Value types only.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace headscope {

struct SweepTestInfo {
    int id = 0;             // the probe session's test id (or the grid index)
    int length = 0;         // requested context length
    double depth = 0.0;     // needle depth (fraction)
    int needleIndex = 0;
    int64_t promptLength = 0;
    friend bool operator==(const SweepTestInfo&, const SweepTestInfo&) = default;
};

struct SweepOutcome {
    double rouge1 = 0.0;    // ROUGE-1 recall of real_needle ×100
    double qaF1 = 0.0;      // qa-F1 against the answer ×100
    int64_t kvBytes = 0;    // K and V bytes held after prefill
    std::string text;       // the generated answer
    friend bool operator==(const SweepOutcome&, const SweepOutcome&) = default;
};

struct SweepResults {
    std::string manifestJson; // model, tests source, methods, budgets, window, pooling, layout, …
    std::vector<SweepTestInfo> tests;
    std::vector<std::string> methods;
    std::vector<int64_t> budgets;       // base capacity C per head (window included)
    std::vector<SweepOutcome> full;     // [tests]
    std::vector<SweepOutcome> compressed; // [methods, budgets, tests] row-major
    // --shard i/n: this file holds the tests at positions i, i+n, i+2n, … of the sweep's list of
    // testsTotal tests (sweep_shards.h); an unsharded run is 0/1 with testsTotal = tests.size().
    int shardIndex = 0, shardCount = 1;
    int testsTotal = 0;

    const SweepOutcome& at(std::size_t method, std::size_t budget, std::size_t test) const
    {
        return compressed[(method * budgets.size() + budget) * tests.size() + test];
    }
    SweepOutcome& at(std::size_t method, std::size_t budget, std::size_t test)
    {
        return compressed[(method * budgets.size() + budget) * tests.size() + test];
    }
    double meanRouge1(std::size_t method, std::size_t budget) const;
    double meanQaF1(std::size_t method, std::size_t budget) const;
    double fullMeanRouge1() const;
    double fullMeanQaF1() const;
};

// The manifest a file of these results holds: manifestJson (the run's settings) with format,
// version, methods, budgets, shard_index, shard_count and tests_total set from the results.
// FormatError (naming `file`) when manifestJson is not a JSON object.
std::string sweepManifestJson(const SweepResults& results, const std::string& file);

// Replaces earlier sweep results at `file` (never another kind of file), staged and renamed
// into place so a failed write keeps them (output_file.h).
void writeSweepResults(const std::filesystem::path& file, const SweepResults& results);
SweepResults readSweepResults(const std::filesystem::path& file); // FormatError names file and dataset

} // namespace headscope
