#include "controllers/score_file_loader.h"

#include "headscope/core/errors.h"

#include "headscope/core/score_file.h"

#include <QFileInfo>

namespace headscope::app {

HeadMetric metricForFileName(const QString& fileName)
{
    const QString n = QFileInfo(fileName).fileName().toLower();
    if (n.contains(QStringLiteral("retrieval_reasoning")))
        return HeadMetric::Reasoning;
    if (n.contains(QStringLiteral("retrieval")))
        return HeadMetric::Retrieval;
    if (n.contains(QStringLiteral("dili")))
        return HeadMetric::Dili;
    if (n.contains(QStringLiteral("lazy")))
        return HeadMetric::Lazy;
    return HeadMetric::Inf;
}

views::ScoreSet loadScoreFile(const QString& path)
{
    const ImportedScores imported = importScoreFile(path.toStdString());
    const ScoreMatrix& m = imported.matrix;
    views::ScoreSet set;
    set.source = path;
    views::MetricMap map = views::metricFromPerTestLists(metricForFileName(path), m.layers, m.heads, imported.lists);
    // The importer's means are the reference values; only the CI comes from the lists here.
    map.matrix = m;
    map.matrix.metric = std::string(headMetricName(map.metric));
    if (map.tests <= 1)
        map.ciHalfWidth.clear();
    set.metrics.push_back(std::move(map));
    return set;
}

} // namespace headscope::app
