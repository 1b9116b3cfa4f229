#pragma once
// Session-level operations built on the reader and writer: importing published score files
// as sessions, and merging shards of one probe grid.
#include "headscope/core/score_file.h"
#include "headscope/core/session.h"

#include <filesystem>
#include <vector>

namespace headscope {

// Writes `out` holding the file's per-test lists as tests (list entry j of every head = test
// j), under `metric`, so SessionReader::aggregate(metric) returns the file's mean matrix.
// Heads with shorter lists contribute to the tests they have. Returns the import report.
ImportedScores importScoresAsSession(const std::filesystem::path& scoreFile, const std::filesystem::path& out,
                                     HeadMetric metric, const ScoreFileImportOptions& options = {});

// Joins shards of one grid into `out`. Refuses sessions whose manifests disagree on any key
// that defines the grid or the run (names the key and both values) and duplicate tests.
// Returns the number of tests written.
int mergeSessions(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out);

} // namespace headscope
