#pragma once
// Session-level operations built on the reader and writer: importing published score files
// as sessions, and merging shards of one probe grid.
#include "headscope/core/score_file.h"
#include "headscope/core/session.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace headscope {

struct ScoreImportRequest {
    // The metric the file holds. Empty: the metric of a nested DiliLazyKV section
    // (average_infscores_weighted → inf, _precisions_ → dili, _recalls_ → lazy), else retrieval.
    std::optional<HeadMetric> metric;
    std::string configJson; // the model's config.json text, kept in the manifest when given
};

// Writes `out` holding the file's per-test lists as tests (list entry j of every head = test
// j), under the metric, so SessionReader::aggregate(metric) returns the file's mean matrix and
// every other metric is refused (manifest "metrics"). Heads with shorter lists contribute to
// the tests they have. A per-KV-head file with the model's query-head count known is expanded
// to query heads (each query head carries its KV head's values); without it the session keeps
// KV heads (manifest head_granularity "kv"). Throws UsageError when the metric asked for is
// not one the file holds (nested files), listing those it holds. Returns the import report.
ImportedScores importScoresAsSession(const std::filesystem::path& scoreFile, const std::filesystem::path& out,
                                     const ScoreImportRequest& request, const ScoreFileImportOptions& options = {});
ImportedScores importScoresAsSession(const std::filesystem::path& scoreFile, const std::filesystem::path& out,
                                     HeadMetric metric, const ScoreFileImportOptions& options = {});

struct MergeOptions {
    bool allowMissing = false; // merge even when grid tests are missing (they are reported)
};

struct MergeReport {
    int tests = 0;                     // tests in the merged session
    int gridTests = 0;                 // lengths × depths × needles of the shared manifest
    int shardCount = 1;                // n of the shards' --shard i/n
    std::vector<int> missingShards;    // shard indices no input holds
    std::vector<std::string> missing;  // "length L depth D needle N" of each missing grid test
    bool upToDate = false;             // `out` already held exactly this merge; nothing written
};

// Joins shards of one probe grid into `out`. The shards must share one manifest apart from
// shard_index (and created/updated); each shard index may appear once; every test must lie on
// the grid and in its own shard (test k of the grid belongs to shard k mod n). Missing grid
// tests are refused unless options.allowMissing. Tests are written in grid order with ids
// 0, 1, …, so a merge is reproducible; if `out` already holds exactly this merge the call
// succeeds without writing (upToDate), and any other existing `out` is refused. The result is
// written to a temporary file renamed into place: a refused or failed merge leaves no output.
MergeReport mergeSessions(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
                          const MergeOptions& options = {});

} // namespace headscope
