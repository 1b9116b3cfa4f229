#pragma once
// ScoreSet: the score maps one open document (score file or session view) offers to the
// views, keyed by metric id. Plain values, copied into widgets; no reference to the document.
#include "headscope/core/score_matrix.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace headscope::views {

struct MetricMap {
    QString id;                       // "inf", "dili", "lazy", "retrieval", "reasoning", ... (core headMetricName)
    ScoreMatrix matrix;               // [layers, heads]: mean over tests
    std::vector<double> ciHalfWidth;  // [layers, heads] 95% CI half-width, or empty
    int tests = 0;                    // tests behind the mean (0: unknown)
};

struct ScoreSet {
    QString source;                   // file path shown in titles and errors
    std::vector<MetricMap> metrics;

    const MetricMap* find(const QString& id) const;
    bool empty() const { return metrics.empty(); }
};

// Every metric id the views know, in menu order, and its display label.
QStringList knownMetricIds();
QString metricLabel(const QString& id);

// Mean and 95% CI half-width (1.96·s/√n) of per-test lists, one list per cell.
MetricMap metricFromPerTestLists(const QString& id, int layers, int heads,
                                 const std::vector<std::vector<double>>& perCell);

} // namespace headscope::views
