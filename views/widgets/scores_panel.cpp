#include "widgets/scores_panel.h"

#include "models/head_score_model.h"
#include "models/top_heads_proxy.h"
#include "plots/heatmap_plot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

namespace headscope::views {

ScoresPanel::ScoresPanel(QWidget* parent)
    : QWidget(parent), m_metricBox(new QComboBox(this)), m_topN(new QSpinBox(this)),
      m_info(new QLabel(this)), m_heatmap(new HeatmapPlot(this)), m_table(new QTableView(this)),
      m_model(new HeadScoreModel(this)), m_proxy(new TopHeadsProxy(this))
{
    for (HeadMetric metric : allHeadMetrics())
        m_metricBox->addItem(metricLabel(metric), static_cast<int>(metric));
    m_metricBox->setToolTip(QStringLiteral("Score shown in the heatmap and the table"));
    m_topN->setRange(0, 100000);
    m_topN->setValue(50);
    m_topN->setSpecialValueText(QStringLiteral("all"));
    m_topN->setToolTip(QStringLiteral("Rows shown in the ranked table (0 = all heads)"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(QStringLiteral("Metric:"), this));
    bar->addWidget(m_metricBox, 1);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(QStringLiteral("Top:"), this));
    bar->addWidget(m_topN);
    bar->addSpacing(12);
    bar->addWidget(m_info, 2);

    m_proxy->setSourceModel(m_model);
    m_proxy->setTopN(m_topN->value());
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(HeadScoreModel::RankColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(22);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(HeadScoreModel::CiColumn, QHeaderView::Stretch);
    m_table->setAlternatingRowColors(true);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_heatmap);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({740, 540});

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_metricBox, &QComboBox::currentIndexChanged, this, [this] {
        showCurrentMetric();
        Q_EMIT metricChanged(metric());
    });
    connect(m_topN, &QSpinBox::valueChanged, m_proxy, &TopHeadsProxy::setTopN);
    connect(m_heatmap, &HeatmapPlot::cellClicked, this, [this](int layer, int head) {
        selectHead(layer, head);
        Q_EMIT headSelected(layer, head);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ScoresPanel::onTableCurrentChanged);
    m_heatmap->setEmptyText(QStringLiteral("Open a score file or probe session (Ctrl+O), or drop one here"));
    setScoreSet({});
}

ScoresPanel::~ScoresPanel() = default;

void ScoresPanel::setScoreSet(const ScoreSet& set)
{
    m_set = set;
    auto* items = qobject_cast<QStandardItemModel*>(m_metricBox->model());
    int firstAvailable = -1;
    for (int i = 0; i < m_metricBox->count(); ++i) {
        const bool has = m_set.find(static_cast<HeadMetric>(m_metricBox->itemData(i).toInt())) != nullptr;
        if (items)
            items->item(i)->setEnabled(has);
        if (has && firstAvailable < 0)
            firstAvailable = i;
    }
    const QSignalBlocker block(m_metricBox);
    if (!currentMap() && firstAvailable >= 0)
        m_metricBox->setCurrentIndex(firstAvailable);
    showCurrentMetric();
}

void ScoresPanel::setLayerWindows(std::vector<int64_t> windows)
{
    m_layerWindows = std::move(windows);
    showCurrentMetric();
}

bool ScoresPanel::setMetric(HeadMetric metric)
{
    const int i = m_metricBox->findData(static_cast<int>(metric));
    if (i < 0 || !m_set.find(metric))
        return false;
    m_metricBox->setCurrentIndex(i);
    return true;
}

HeadMetric ScoresPanel::metric() const
{
    return static_cast<HeadMetric>(m_metricBox->currentData().toInt());
}

const MetricMap* ScoresPanel::currentMap() const
{
    return m_set.find(metric());
}

void ScoresPanel::showCurrentMetric()
{
    const MetricMap* map = currentMap();
    if (!map) {
        m_heatmap->setData(0, 0, {});
        m_model->clear();
        m_info->setText(m_set.empty() ? QStringLiteral("Open a score file or session (Ctrl+O)")
                                      : QStringLiteral("This source has no %1").arg(metricLabel(metric())));
        Q_EMIT scoresShown(ScoreMatrix{});
        return;
    }
    const ScoreMatrix& m = map->matrix;
    m_heatmap->setValueLabel(metricLabel(map->metric));
    m_heatmap->setAxisTitles(QStringLiteral("Layer"), m.granularity == HeadGranularity::KvHead
                                                          ? QStringLiteral("KV head")
                                                          : QStringLiteral("Head"));
    m_heatmap->setConfidence(map->ciHalfWidth, map->tests);
    m_heatmap->setData(m.layers, m.heads, m.values);
    QStringList layerLabels; // local (sliding-window) layers say so
    if (static_cast<int>(m_layerWindows.size()) == m.layers)
        for (int l = 0; l < m.layers; ++l)
            layerLabels << (m_layerWindows[static_cast<std::size_t>(l)] > 0
                                ? QStringLiteral("%1 (local %2)").arg(l).arg(m_layerWindows[static_cast<std::size_t>(l)])
                                : QString::number(l));
    m_heatmap->setCategoryLabels(layerLabels, {});
    m_model->setValueName(metricLabel(map->metric));
    m_model->setScores(m.layers, m.heads, m.values, map->ciHalfWidth);
    m_info->setText(QStringLiteral("%1 × %2 %3%4")
                        .arg(m.layers)
                        .arg(m.heads)
                        .arg(m.granularity == HeadGranularity::KvHead ? QStringLiteral("KV heads")
                                                                      : QStringLiteral("heads"))
                        .arg(map->tests > 0 ? QStringLiteral(", %1 tests").arg(map->tests) : QString()));
    if (m_heatmap->selectedRow() >= 0)
        selectHead(m_heatmap->selectedRow(), m_heatmap->selectedCol());
    Q_EMIT scoresShown(m);
}

void ScoresPanel::selectHead(int layer, int head)
{
    m_syncing = true;
    m_heatmap->selectCell(layer, head);
    const QModelIndex src = m_model->index(CellRef{layer, head});
    QModelIndex proxyIndex = m_proxy->mapFromSource(src);
    if (!proxyIndex.isValid() && src.isValid()) { // outside the top N: show everything
        m_topN->setValue(0);
        proxyIndex = m_proxy->mapFromSource(src);
    }
    if (proxyIndex.isValid()) {
        m_table->selectionModel()->setCurrentIndex(
            proxyIndex, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_table->scrollTo(proxyIndex);
    }
    m_syncing = false;
}

void ScoresPanel::onTableCurrentChanged()
{
    if (m_syncing)
        return;
    const CellRef cell = m_model->fromIndex(m_proxy->mapToSource(m_table->currentIndex()));
    if (!cell.valid())
        return;
    m_heatmap->selectCell(cell.layer, cell.head);
    Q_EMIT headSelected(cell.layer, cell.head);
}

} // namespace headscope::views
