#pragma once
// ScoreSet: the score maps one open document (score file or session view) offers to the
// views, keyed by metric id. Plain values, copied into widgets; no reference to the document.
#include "headscope/core/head_metrics.h"
#include "headscope/core/score_matrix.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace headscope::views {

struct MetricMap {
    HeadMetric metric = HeadMetric::Inf;
    ScoreMatrix matrix;               // [layers, heads]: mean over tests
    std::vector<double> ciHalfWidth;  // [layers, heads] 95% CI half-width, or empty
    int tests = 0;                    // tests behind the mean (0: unknown)
};

struct ScoreSet {
    QString source;                   // file path shown in titles and errors
    std::vector<MetricMap> metrics;

    const MetricMap* find(HeadMetric metric) const;
    bool empty() const { return metrics.empty(); }
    // Adds (or replaces) one metric read from the file `from`, which must have the same shape;
    // `source` gains its file name. False and *error (naming `from` and both shapes) otherwise.
    bool addMetric(const MetricMap& map, const QString& from, QString* error);
};

// A metric's display label (core headMetricLabel).
QString metricLabel(HeadMetric metric);

// Mean and 95% CI half-width (core ci95HalfWidth) of per-test lists, one list per cell.
MetricMap metricFromPerTestLists(HeadMetric metric, int layers, int heads,
                                 const std::vector<std::vector<double>>& perCell);

} // namespace headscope::views
