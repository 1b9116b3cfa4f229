#include "models/score_set.h"

#include "headscope/core/confidence_interval.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace headscope::views {

const MetricMap* ScoreSet::find(HeadMetric metric) const
{
    for (const MetricMap& m : metrics)
        if (m.metric == metric)
            return &m;
    return nullptr;
}

HeadMetric ScoreSet::defaultMetric() const
{
    if (find(HeadMetric::Inf) || metrics.empty())
        return HeadMetric::Inf;
    return metrics.front().metric;
}

quint64 nextDocumentId()
{
    static quint64 next = 0;
    return ++next;
}

QList<QPair<QString, QString>> provenanceFields(const ScoreProvenance& p)
{
    QList<QPair<QString, QString>> out;
    QString metric = QString::fromStdString(p.metric);
    try {
        metric = QStringLiteral("%1 (%2)").arg(metricLabel(parseHeadMetric(p.metric)), metric);
    } catch (const std::exception&) {
        // named as recorded
    }
    out.append({QStringLiteral("Metric"), metric});
    out.append({QStringLiteral("Source"), QStringLiteral("%1 %2").arg(p.kind == ScoreProvenance::Kind::Session
                                                                             ? QStringLiteral("session")
                                                                             : QStringLiteral("score file"),
                                                                         QString::fromStdString(p.path))});
    if (!p.sha256.empty())
        out.append({QStringLiteral("SHA-256"), QString::fromStdString(p.sha256)});
    if (p.kind == ScoreProvenance::Kind::Session) {
        out.append({QStringLiteral("Gate"), p.gate == "none" || p.gate.empty()
                                                ? QStringLiteral("none")
                                                : QStringLiteral("%1 > %2").arg(QString::fromStdString(p.gate)).arg(p.threshold)});
        const auto list = [](const auto& values, const QString& unit) {
            if (values.empty())
                return QStringLiteral("all");
            QStringList items;
            for (const auto v : values)
                items << QString::number(v);
            return items.join(QLatin1Char(',')) + unit;
        };
        out.append({QStringLiteral("Lengths"), list(p.lengths, QString())});
        out.append({QStringLiteral("Depths"), list(p.depths, QStringLiteral(" %"))});
        out.append({QStringLiteral("Tests"), QStringLiteral("%1 of %2").arg(p.testsAccepted).arg(p.testsTotal)});
    }
    return out;
}

QString provenanceTitle(const ScoreProvenance& p)
{
    QString metric = QString::fromStdString(p.metric);
    try {
        metric = metricLabel(parseHeadMetric(p.metric));
    } catch (const std::exception&) {
    }
    QString title = QStringLiteral("%1 — %2").arg(metric, QFileInfo(QString::fromStdString(p.path)).fileName());
    if (p.kind == ScoreProvenance::Kind::Session) {
        const QString gate = p.gate == "none" || p.gate.empty()
                                 ? QStringLiteral("no gate")
                                 : QStringLiteral("gate %1 > %2").arg(QString::fromStdString(p.gate)).arg(p.threshold);
        title += QStringLiteral(" (%1, %2 of %3 %4%5)")
                     .arg(gate)
                     .arg(p.testsAccepted)
                     .arg(p.testsTotal)
                     .arg(p.testsTotal == 1 ? QStringLiteral("test") : QStringLiteral("tests"))
                     .arg(p.lengths.empty() && p.depths.empty() ? QString() : QStringLiteral(", a subset"));
    }
    return title;
}

bool ScoreSet::addMetric(const MetricMap& map, const QString& from, QString* error)
{
    if (!metrics.empty()) {
        const ScoreMatrix& first = metrics.front().matrix;
        if (map.matrix.layers != first.layers || map.matrix.heads != first.heads) {
            *error = QStringLiteral("%1 has %2 layers × %3 heads but the open scores have %4 × %5")
                         .arg(from)
                         .arg(map.matrix.layers)
                         .arg(map.matrix.heads)
                         .arg(first.layers)
                         .arg(first.heads);
            return false;
        }
    }
    std::erase_if(metrics, [&map](const MetricMap& m) { return m.metric == map.metric; });
    metrics.push_back(map);
    source += QStringLiteral(" + ") + QFileInfo(from).fileName();
    return true;
}

QString metricLabel(HeadMetric metric)
{
    const std::string_view label = headMetricLabel(metric);
    return QString::fromUtf8(label.data(), static_cast<qsizetype>(label.size()));
}

MetricMap metricFromPerTestLists(HeadMetric metric, int layers, int heads,
                                 const std::vector<std::vector<double>>& perCell)
{
    MetricMap m;
    m.metric = metric;
    m.matrix.layers = layers;
    m.matrix.heads = heads;
    m.matrix.metric = std::string(headMetricName(metric));
    const std::size_t n = static_cast<std::size_t>(layers) * heads;
    m.matrix.values.assign(n, 0.0);
    m.ciHalfWidth.assign(n, 0.0);
    for (std::size_t i = 0; i < n && i < perCell.size(); ++i) {
        const auto& list = perCell[i];
        m.tests = std::max(m.tests, static_cast<int>(list.size()));
        if (list.empty())
            continue;
        double sum = 0.0;
        for (double v : list)
            sum += v;
        m.matrix.values[i] = sum / static_cast<double>(list.size());
        m.ciHalfWidth[i] = ci95HalfWidth(list);
    }
    return m;
}

} // namespace headscope::views
