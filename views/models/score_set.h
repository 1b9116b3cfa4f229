#pragma once
// ScoreSet: the score maps one open document (score file or session view) offers to the
// views, keyed by metric id. Plain values, copied into widgets; no reference to the document.
#include "headscope/core/head_metrics.h"
#include "headscope/core/score_matrix.h"
#include "headscope/core/score_provenance.h"

#include <QString>
#include <QList>
#include <QPair>
#include <QStringList>

#include <vector>

namespace headscope::views {

struct MetricMap {
    HeadMetric metric = HeadMetric::Inf;
    ScoreMatrix matrix;               // [layers, heads]: mean over tests
    std::vector<double> ciHalfWidth;  // [layers, heads] 95% CI half-width, or empty
    int tests = 0;                    // tests behind the mean (0: unknown)
    ScoreProvenance provenance;       // file, digest, metric and (sessions) gate, threshold, subset
    QString note;                     // how the metric is known, when not from a session (score files)
};

struct ScoreSet {
    QString source;                   // file path shown in titles and errors
    std::vector<MetricMap> metrics;
    // The opened document these maps belong to (nextDocumentId()). Views keep their choices
    // (metric, selection) while it stays the same — filters re-aggregating, a metric added —
    // and start afresh when it changes, so nothing carries over from one file to the next.
    quint64 document = 0;

    const MetricMap* find(HeadMetric metric) const;
    // The metric a document opens on: InfScore when held, else the first (a score file's own).
    HeadMetric defaultMetric() const;
    bool empty() const { return metrics.empty(); }
    // Adds (or replaces) one metric read from the file `from`, which must have the same shape;
    // `source` gains its file name. False and *error (naming `from` and both shapes) otherwise.
    bool addMetric(const MetricMap& map, const QString& from, QString* error);
};

// A fresh document id (GUI thread).
quint64 nextDocumentId();

// A metric's display label (core headMetricLabel).
QString metricLabel(HeadMetric metric);

// What an export records about a map: Metric, Source, SHA-256 and, for sessions, Gate, Lengths,
// Depths and Tests, as key/value pairs (CSV preambles, PNG text chunks, SVG descriptions).
QList<QPair<QString, QString>> provenanceFields(const ScoreProvenance& provenance);
// "InfScore — run.h5 (gate rouge1_recall > 50, 12 of 27 tests)": a plot title.
QString provenanceTitle(const ScoreProvenance& provenance);

// Mean and 95% CI half-width (core ci95HalfWidth) of per-test lists, one list per cell.
MetricMap metricFromPerTestLists(HeadMetric metric, int layers, int heads,
                                 const std::vector<std::vector<double>>& perCell);

} // namespace headscope::views
