#include "widgets/statistics_panel.h"

#include "models/head_statistics.h"
#include "plots/bar_plot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace headscope::views {

StatisticsPanel::StatisticsPanel(QWidget* parent)
    : QWidget(parent), m_a(new QComboBox(this)), m_b(new QComboBox(this)), m_k(new QSpinBox(this)),
      m_rhoLabel(new QLabel(this)), m_lengthPlot(new BarPlot(this)), m_depthPlot(new BarPlot(this))
{
    m_k->setRange(1, 1024);
    m_k->setValue(20);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(QStringLiteral("Top-k:"), this));
    bar->addWidget(m_k);
    bar->addSpacing(16);
    bar->addWidget(new QLabel(QStringLiteral("Spearman between"), this));
    bar->addWidget(m_a);
    bar->addWidget(new QLabel(QStringLiteral("and"), this));
    bar->addWidget(m_b);
    bar->addWidget(m_rhoLabel, 1);
    m_lengthPlot->setAxisTitles(QStringLiteral("Context length (tokens)"), QStringLiteral("Jaccard vs all tests"));
    m_depthPlot->setAxisTitles(QStringLiteral("Needle depth (%)"), QStringLiteral("Jaccard vs all tests"));
    auto* plots = new QHBoxLayout;
    plots->addWidget(m_lengthPlot);
    plots->addWidget(m_depthPlot);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addLayout(plots, 1);
    connect(m_k, &QSpinBox::valueChanged, this, &StatisticsPanel::recompute);
    connect(m_a, &QComboBox::currentIndexChanged, this, &StatisticsPanel::recompute);
    connect(m_b, &QComboBox::currentIndexChanged, this, &StatisticsPanel::recompute);
}

void StatisticsPanel::setSource(std::shared_ptr<const SessionSource> source)
{
    m_source = std::move(source);
    const QSignalBlocker ba(m_a);
    const QSignalBlocker bb(m_b);
    m_a->clear();
    m_b->clear();
    if (m_source) {
        for (HeadMetric metric : m_source->metrics()) {
            m_a->addItem(metricLabel(metric), static_cast<int>(metric));
            m_b->addItem(metricLabel(metric), static_cast<int>(metric));
        }
        m_b->setCurrentIndex(m_b->count() > 1 ? 1 : 0);
    }
    recompute();
}

void StatisticsPanel::setBaseQuery(const AggregateQuery& query)
{
    m_base = query;
    recompute();
}

void StatisticsPanel::recompute()
{
    m_lengthJaccard.clear();
    m_depthJaccard.clear();
    m_rho = std::nan("");
    if (!m_source || m_a->count() == 0) {
        m_rhoLabel->setText(QStringLiteral("No session open"));
        m_lengthPlot->setSeries({});
        m_depthPlot->setSeries({});
        return;
    }
    AggregateQuery all = m_base;
    all.metric = static_cast<HeadMetric>(m_a->currentData().toInt());
    all.lengths.clear();
    all.depths.clear();
    const std::vector<int> reference = topKHeads(m_source->aggregate(all).matrix.values, m_k->value());
    for (int len : m_source->distinctLengths()) {
        AggregateQuery q = all;
        q.lengths = {len};
        const MetricMap m = m_source->aggregate(q);
        m_lengthJaccard.push_back(m.tests > 0 ? jaccard(reference, topKHeads(m.matrix.values, m_k->value())) : 0.0);
    }
    for (double depth : m_source->distinctDepths()) {
        AggregateQuery q = all;
        q.depths = {depth};
        const MetricMap m = m_source->aggregate(q);
        m_depthJaccard.push_back(m.tests > 0 ? jaccard(reference, topKHeads(m.matrix.values, m_k->value())) : 0.0);
    }
    AggregateQuery qb = all;
    qb.metric = static_cast<HeadMetric>(m_b->currentData().toInt());
    m_rho = spearman(m_source->aggregate(all).matrix.values, m_source->aggregate(qb).matrix.values);
    m_rhoLabel->setText(std::isnan(m_rho) ? QStringLiteral(": ρ undefined (constant map)")
                                          : QStringLiteral(": ρ = %1").arg(m_rho, 0, 'f', 3));
    QStringList lengthLabels;
    QStringList depthLabels;
    for (int len : m_source->distinctLengths())
        lengthLabels << QString::number(len);
    for (double depth : m_source->distinctDepths())
        depthLabels << QString::number(depth);
    m_lengthPlot->setCategoryLabels(lengthLabels);
    m_depthPlot->setCategoryLabels(depthLabels);
    m_lengthPlot->setSeries({{QStringLiteral("lengths"), QColor(39, 127, 142), m_lengthJaccard}});
    m_depthPlot->setSeries({{QStringLiteral("depths"), QColor(236, 112, 20), m_depthJaccard}});
}

} // namespace headscope::views
