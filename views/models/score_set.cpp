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
