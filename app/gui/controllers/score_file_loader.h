#pragma once
// Reads a head-score JSON file through core's importer (score_file.h) into a views::ScoreSet:
// the importer's per-head means plus a 95% CI from the per-test lists. Throws
// headscope::FormatError / LoadError naming the file and the offending key.
#include "models/score_set.h"

#include <QString>

namespace headscope::app {

// The metric a score file's name implies ("..._retrieval_heads.json" → Retrieval).
HeadMetric metricForFileName(const QString& fileName);

views::ScoreSet loadScoreFile(const QString& path);

} // namespace headscope::app
