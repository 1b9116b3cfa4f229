#include "controllers/score_file_loader.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"
#include "headscope/core/score_provenance.h"

#include <QFileInfo>

namespace headscope::app {

std::optional<HeadMetric> metricForFileName(const QString& fileName)
{
    const QString n = QFileInfo(fileName).fileName().toLower();
    if (n.contains(QStringLiteral("retrieval_reasoning")) || n.contains(QStringLiteral("reasoning")))
        return HeadMetric::Reasoning;
    if (n.contains(QStringLiteral("retrieval")))
        return HeadMetric::Retrieval;
    if (n.contains(QStringLiteral("dili")) && !n.contains(QStringLiteral("dililazy")))
        return HeadMetric::Dili;
    if (n.contains(QStringLiteral("lazy")) && !n.contains(QStringLiteral("dililazy")))
        return HeadMetric::Lazy;
    if (n.contains(QStringLiteral("infscore")) || n.contains(QStringLiteral("_inf")) || n.startsWith(QStringLiteral("inf")))
        return HeadMetric::Inf;
    return std::nullopt;
}

views::ScoreSet loadScoreFile(const QString& path)
{
    const ImportedScores imported = importScoreFile(path.toStdString());
    const ScoreMatrix& m = imported.matrix;
    std::string sidecarNote;
    const std::optional<ScoreProvenance> recorded = readScoreSidecar(path.toStdString(), &sidecarNote);
    HeadMetric metric = HeadMetric::Inf;
    QString note;
    if (recorded) {
        metric = parseHeadMetric(recorded->metric);
        note = QStringLiteral("metric recorded at export (%1)")
                   .arg(QFileInfo(QString::fromStdString(scoreSidecarPath(path.toStdString()).string())).fileName());
    } else if (const auto named = metricForFileName(path)) {
        metric = *named;
        note = QStringLiteral("metric from the file name");
    } else {
        note = QStringLiteral("the file does not say which metric it holds: shown as InfScore");
    }
    if (!sidecarNote.empty())
        note += QStringLiteral("; ") + QString::fromStdString(sidecarNote);
    views::ScoreSet set;
    set.source = path;
    views::MetricMap map = views::metricFromPerTestLists(metric, m.layers, m.heads, imported.lists);
    // The importer's means are the reference values; only the CI comes from the lists here.
    map.matrix = m;
    map.matrix.metric = std::string(headMetricName(map.metric));
    if (map.tests <= 1)
        map.ciHalfWidth.clear();
    map.provenance.kind = ScoreProvenance::Kind::ScoreFile;
    map.provenance.path = path.toStdString();
    map.provenance.sha256 = imported.sha256;
    map.provenance.metric = map.matrix.metric;
    if (recorded)
        map.provenance.exportedFrom = recorded->exportedFrom.empty() ? recorded->describe() : recorded->exportedFrom;
    map.note = note;
    set.metrics.push_back(std::move(map));
    return set;
}

} // namespace headscope::app
