#pragma once
// AblationSummary: accuracy of a probe run with heads masked next to the session it re-ran, test
// by test on the same grid cells (length, depth, needle): the mean of every gate (ROUGE-1 recall,
// qa-F1, ×100) over the matched tests, overall and per context length and depth. Plain values
// from two SessionSources; no model.
#include "models/session_source.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace headscope::views {

struct AblationRow {
    QString label;               // "all", "length 512", "depth 25%"
    int tests = 0;               // matched tests in this row
    std::vector<double> base;    // per gate: mean over the session's tests
    std::vector<double> masked;  // per gate: mean over the masked run's tests
};

struct AblationSummary {
    QString basePath;
    QString maskedPath;
    QString heads;               // the masked heads, as named in the run's manifest
    QStringList gates;
    std::vector<AblationRow> rows; // "all" first, then each length, then each depth
    int unmatched = 0;           // tests of the masked run with no counterpart in the session
    bool empty() const { return rows.empty() || rows.front().tests == 0; }
    // "Masked L0-H1, L3-H2 (3 heads): rouge1_recall 85.3 → 12.0, qa_f1 … over 9 tests"
    QString headline() const;
};

AblationSummary summarizeAblation(const SessionSource& base, const SessionSource& masked, const QString& heads);

} // namespace headscope::views
