#include "models/score_set.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace headscope::views {

const MetricMap* ScoreSet::find(const QString& id) const
{
    for (const MetricMap& m : metrics)
        if (m.id == id)
            return &m;
    return nullptr;
}

QStringList knownMetricIds()
{
    return {QStringLiteral("inf"),          QStringLiteral("dili"),
            QStringLiteral("lazy"),         QStringLiteral("retrieval"),
            QStringLiteral("reasoning"),
            QStringLiteral("diligent"),     QStringLiteral("distracted"),
            QStringLiteral("subconscious"), QStringLiteral("diffuse"),
            QStringLiteral("diligent_mass"),     QStringLiteral("distracted_mass"),
            QStringLiteral("subconscious_mass"), QStringLiteral("diffuse_mass"),
            QStringLiteral("write"),        QStringLiteral("write_needle")};
}

QString metricLabel(const QString& id)
{
    static const QHash<QString, QString> labels = {
        {QStringLiteral("inf"), QStringLiteral("InfScore")},
        {QStringLiteral("dili"), QStringLiteral("DiliScore")},
        {QStringLiteral("lazy"), QStringLiteral("LazyScore")},
        {QStringLiteral("retrieval"), QStringLiteral("Retrieval (copy)")},
        {QStringLiteral("reasoning"), QStringLiteral("Retrieval-reasoning")},
        {QStringLiteral("diligent"), QStringLiteral("Diligent (count)")},
        {QStringLiteral("distracted"), QStringLiteral("Distracted (count)")},
        {QStringLiteral("subconscious"), QStringLiteral("Subconscious (count)")},
        {QStringLiteral("diffuse"), QStringLiteral("Diffuse peripheral (count)")},
        {QStringLiteral("diligent_mass"), QStringLiteral("Diligent (mass share)")},
        {QStringLiteral("distracted_mass"), QStringLiteral("Distracted (mass share)")},
        {QStringLiteral("subconscious_mass"), QStringLiteral("Subconscious (mass share)")},
        {QStringLiteral("diffuse_mass"), QStringLiteral("Diffuse peripheral (mass share)")},
        {QStringLiteral("write"), QStringLiteral("Write (logit contribution)")},
        {QStringLiteral("write_needle"), QStringLiteral("Write from the needle (logit contribution)")},
    };
    return labels.value(id, id);
}

MetricMap metricFromPerTestLists(const QString& id, int layers, int heads,
                                 const std::vector<std::vector<double>>& perCell)
{
    MetricMap m;
    m.id = id;
    m.matrix.layers = layers;
    m.matrix.heads = heads;
    m.matrix.metric = id.toStdString();
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
        const double mean = sum / static_cast<double>(list.size());
        double ss = 0.0;
        for (double v : list)
            ss += (v - mean) * (v - mean);
        const double sd = list.size() > 1 ? std::sqrt(ss / static_cast<double>(list.size() - 1)) : 0.0;
        m.matrix.values[i] = mean;
        m.ciHalfWidth[i] = 1.96 * sd / std::sqrt(static_cast<double>(list.size()));
    }
    return m;
}

} // namespace headscope::views
