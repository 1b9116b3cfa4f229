#include "widgets/category_panel.h"

#include "plots/bar_plot.h"
#include "plots/heatmap_plot.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace headscope::views {

bool CategoryPanel::showsMass() const
{
    return m_unit->currentIndex() == 0;
}

QString categoryName(int category)
{
    switch (category) {
    case 0: return QStringLiteral("Diligent");
    case 1: return QStringLiteral("Distracted");
    case 2: return QStringLiteral("Subconscious");
    case 3: return QStringLiteral("Diffuse peripheral");
    default: return {};
    }
}

namespace {
const std::array<QColor, CategoryPanel::kCategories> kColors = {QColor(31, 161, 135), QColor(236, 112, 20),
                                                                QColor(70, 50, 127), QColor(160, 160, 160)};
}

CategoryPanel::CategoryPanel(QWidget* parent)
    : QWidget(parent), m_bars(new BarPlot(this)), m_unit(new QComboBox(this))
{
    m_unit->addItem(QStringLiteral("Attention mass share"));
    m_unit->addItem(QStringLiteral("Counts (of top-K and needle keys)"));
    connect(m_unit, &QComboBox::currentIndexChanged, this, [this] {
        showScoreSet();
        Q_EMIT unitChanged();
    });
    auto* grid = new QWidget(this);
    auto* gridLayout = new QGridLayout(grid);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    for (int c = 0; c < kCategories; ++c) {
        auto* map = new HeatmapPlot(grid);
        map->setValueLabel(categoryName(c));
        map->setMinimumSize(200, 160);
        map->setEmptyText(QStringLiteral("%1:\nneeds a session with category counts").arg(categoryName(c)));
        map->setData(0, 0, {});
        m_maps[static_cast<std::size_t>(c)] = map;
        gridLayout->addWidget(map, c / 2, c % 2);
        connect(map, &HeatmapPlot::cellClicked, this, [this](int layer, int head) {
            for (HeatmapPlot* m : m_maps)
                m->selectCell(layer, head);
            Q_EMIT headSelected(layer, head);
        });
    }
    m_bars->setAxisTitles(QStringLiteral("Layer"), QStringLiteral("mean per head"));
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(grid);
    split->addWidget(m_bars);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(QStringLiteral("Show:"), this));
    bar->addWidget(m_unit);
    bar->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(split, 1);
}

void CategoryPanel::setScoreSet(const ScoreSet& set)
{
    m_set = set;
    showScoreSet();
}

void CategoryPanel::showScoreSet()
{
    std::array<ScoreMatrix, kCategories> maps;
    const std::array<HeadMetric, kCategories> metrics = attentionCategoryMetrics(showsMass());
    bool complete = true;
    for (std::size_t c = 0; c < metrics.size(); ++c) {
        const MetricMap* m = m_set.find(metrics[c]);
        complete = complete && m;
        if (m)
            maps[c] = m->matrix;
    }
    setEnabled(complete);
    if (complete)
        setCategories(maps, showsMass() ? QStringLiteral("mass") : QStringLiteral("count"));
}

void CategoryPanel::setCategories(const std::array<ScoreMatrix, kCategories>& maps, const QString& unit)
{
    m_lower = std::numeric_limits<double>::infinity();
    m_upper = -std::numeric_limits<double>::infinity();
    for (const ScoreMatrix& m : maps)
        for (double v : m.values) {
            m_lower = std::min(m_lower, v);
            m_upper = std::max(m_upper, v);
        }
    if (!(m_lower < m_upper)) {
        m_lower = 0.0;
        m_upper = 1.0;
    }
    std::vector<BarPlot::Series> series;
    for (int c = 0; c < kCategories; ++c) {
        const ScoreMatrix& m = maps[static_cast<std::size_t>(c)];
        HeatmapPlot* map = m_maps[static_cast<std::size_t>(c)];
        map->setValueRange(m_lower, m_upper);
        map->setValueLabel(QStringLiteral("%1 (%2)").arg(categoryName(c), unit));
        map->setData(m.layers, m.heads, m.values);
        BarPlot::Series s{categoryName(c), kColors[static_cast<std::size_t>(c)],
                          std::vector<double>(static_cast<std::size_t>(m.layers), 0.0)};
        for (int l = 0; l < m.layers; ++l) {
            for (int h = 0; h < m.heads; ++h)
                s.values[static_cast<std::size_t>(l)] += m.at(l, h);
            s.values[static_cast<std::size_t>(l)] /= std::max(1, m.heads);
        }
        series.push_back(std::move(s));
    }
    m_bars->setAxisTitles(QStringLiteral("Layer"), QStringLiteral("mean %1 per head").arg(unit));
    m_bars->setSeries(series);
}

} // namespace headscope::views
