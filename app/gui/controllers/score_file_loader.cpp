#include "controllers/score_file_loader.h"

#include "headscope/core/errors.h"

#include "headscope/core/score_file.h"

#include <QFileInfo>

namespace headscope::app {

QString metricIdForFileName(const QString& fileName)
{
    const QString n = QFileInfo(fileName).fileName().toLower();
    if (n.contains(QStringLiteral("retrieval_reasoning")))
        return QStringLiteral("reasoning");
    if (n.contains(QStringLiteral("retrieval")))
        return QStringLiteral("retrieval");
    if (n.contains(QStringLiteral("dili")))
        return QStringLiteral("dili");
    if (n.contains(QStringLiteral("lazy")))
        return QStringLiteral("lazy");
    return QStringLiteral("inf");
}

views::ScoreSet loadScoreFile(const QString& path)
{
    const ImportedScores imported = importScoreFile(path.toStdString());
    const ScoreMatrix& m = imported.matrix;
    views::ScoreSet set;
    set.source = path;
    views::MetricMap map = views::metricFromPerTestLists(metricIdForFileName(path), m.layers, m.heads, imported.lists);
    // The importer's means are the reference values; only the CI comes from the lists here.
    map.matrix = m;
    map.matrix.metric = map.id.toStdString();
    if (map.tests <= 1)
        map.ciHalfWidth.clear();
    set.metrics.push_back(std::move(map));
    return set;
}

} // namespace headscope::app
