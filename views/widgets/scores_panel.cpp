#include "widgets/scores_panel.h"

#include "models/head_score_model.h"
#include "models/top_heads_proxy.h"
#include "plots/heatmap_plot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QScrollBar>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace headscope::views {

namespace {
QString headsText(const ScoresPanel::Heads& heads, int shown = 6)
{
    QStringList names;
    for (int i = 0; i < heads.size() && i < shown; ++i)
        names << QStringLiteral("L%1-H%2").arg(heads[i].first).arg(heads[i].second);
    if (heads.size() > shown)
        names << QStringLiteral("…");
    return names.join(QStringLiteral(", "));
}
} // namespace

ScoresPanel::ScoresPanel(QWidget* parent)
    : QWidget(parent), m_metricBox(new QComboBox(this)), m_topN(new QSpinBox(this)), m_topK(new QSpinBox(this)),
      m_selectTop(new QPushButton(QStringLiteral("Select &top k"), this)),
      m_ablate(new QPushButton(QStringLiteral("&Re-run probe without selected heads…"), this)), m_info(new QLabel(this)),
      m_heatmap(new HeatmapPlot(this)), m_table(new QTableView(this)), m_model(new HeadScoreModel(this)),
      m_proxy(new TopHeadsProxy(this))
{
    for (HeadMetric metric : allHeadMetrics())
        m_metricBox->addItem(metricLabel(metric), static_cast<int>(metric));
    m_metricBox->setToolTip(QStringLiteral("Score shown in the heatmap and the table"));
    m_topN->setRange(0, 100000);
    m_topN->setValue(kDefaultTopRows);
    m_topN->setSpecialValueText(QStringLiteral("all"));
    m_topN->setToolTip(QStringLiteral("Rows shown in the ranked table (0 = all heads)"));
    m_topK->setRange(1, 100000);
    m_topK->setValue(3);
    m_topK->setToolTip(QStringLiteral("How many of the highest heads of this metric \"Select top k\" selects"));
    m_selectTop->setToolTip(QStringLiteral("Select the k highest heads of the metric shown"));
    m_ablate->setEnabled(false);
    m_info->setWordWrap(true);
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* bar = new QHBoxLayout;
    auto* metricLabelWidget = new QLabel(QStringLiteral("&Metric:"), this);
    metricLabelWidget->setBuddy(m_metricBox);
    bar->addWidget(metricLabelWidget);
    bar->addWidget(m_metricBox, 1);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(QStringLiteral("Rows:"), this));
    bar->addWidget(m_topN);
    bar->addSpacing(12);
    auto* kLabel = new QLabel(QStringLiteral("&k:"), this);
    kLabel->setBuddy(m_topK);
    bar->addWidget(kLabel);
    bar->addWidget(m_topK);
    bar->addWidget(m_selectTop);
    bar->addWidget(m_ablate);

    m_proxy->setSourceModel(m_model);
    m_proxy->setTopN(m_topN->value());
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(HeadScoreModel::RankColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(22);
    // Every column sized to its contents (the CI column too, so "± 0.0222" is never elided);
    // the table is given the width that takes.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(false); // a stretched CI column overflows
    m_table->setAlternatingRowColors(true);
    m_table->setMinimumWidth(360);
    // Contents sized after layout (more rows visible, other values) re-fit the width.
    connect(m_table->horizontalHeader(), &QHeaderView::sectionResized, this,
            [this] { QMetaObject::invokeMethod(this, &ScoresPanel::fitTableWidth, Qt::QueuedConnection); });
    m_heatmap->setMultiSelect(true);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_heatmap);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({700, 400});

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_info);
    layout->addWidget(split, 1);

    connect(m_metricBox, &QComboBox::currentIndexChanged, this, [this] {
        showCurrentMetric();
        Q_EMIT metricChanged(metric());
    });
    connect(m_topN, &QSpinBox::valueChanged, m_proxy, &TopHeadsProxy::setTopN);
    connect(m_heatmap, &HeatmapPlot::selectionChanged, this, [this](const HeatmapPlot::Cells& cells) {
        applySelection(cells, true);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ScoresPanel::onTableSelectionChanged);
    connect(m_selectTop, &QPushButton::clicked, this, [this] { selectTopHeads(m_topK->value()); });
    connect(m_ablate, &QPushButton::clicked, this, [this] { Q_EMIT ablateRequested(m_heads); });
    m_heatmap->setEmptyText(QStringLiteral("Open a score file or probe session (Ctrl+O), or drop one here"));
    setScoreSet({});
}

ScoresPanel::~ScoresPanel() = default;

void ScoresPanel::setScoreSet(const ScoreSet& set)
{
    const bool newDocument = set.document != m_set.document || set.empty();
    m_set = set;
    auto* items = qobject_cast<QStandardItemModel*>(m_metricBox->model());
    for (int i = 0; i < m_metricBox->count(); ++i) {
        const bool has = m_set.find(static_cast<HeadMetric>(m_metricBox->itemData(i).toInt())) != nullptr;
        if (items)
            items->item(i)->setEnabled(has);
    }
    const QSignalBlocker block(m_metricBox);
    if (newDocument) {
        // Nothing carries over from the previous file: its metric, selection or table position.
        m_heads.clear();
        m_heatmap->clearSelection();
        m_topN->setValue(kDefaultTopRows);
        m_metricBox->setCurrentIndex(std::max(0, m_metricBox->findData(static_cast<int>(m_set.defaultMetric()))));
    } else if (!currentMap() && !m_set.empty()) {
        m_metricBox->setCurrentIndex(std::max(0, m_metricBox->findData(static_cast<int>(m_set.defaultMetric()))));
    }
    showCurrentMetric();
    if (newDocument)
        m_table->scrollToTop();
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

CsvPreamble ScoresPanel::csvPreamble() const
{
    const MetricMap* map = currentMap();
    return map ? provenanceFields(map->provenance) : CsvPreamble{};
}

void ScoresPanel::setAblationAvailable(bool available, const QString& reason)
{
    m_ablationAvailable = available;
    m_ablate->setEnabled(available && !m_heads.isEmpty());
    m_ablate->setToolTip(available ? QStringLiteral("Run the open session's probe grid again (the tests the Session "
                                                    "filters accept) with the selected heads' attention output zeroed, "
                                                    "and show accuracy next to the session's")
                                   : reason);
}

void ScoresPanel::showCurrentMetric()
{
    const MetricMap* map = currentMap();
    if (!map) {
        m_heatmap->setData(0, 0, {});
        m_heatmap->setExportInfo({}, {});
        m_model->clear();
        updateInfo();
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
    m_heatmap->setExportInfo(provenanceTitle(map->provenance), provenanceFields(map->provenance));
    QStringList layerLabels; // local (sliding-window) layers say so
    if (static_cast<int>(m_layerWindows.size()) == m.layers)
        for (int l = 0; l < m.layers; ++l)
            layerLabels << (m_layerWindows[static_cast<std::size_t>(l)] > 0
                                ? QStringLiteral("%1 (local %2)").arg(l).arg(m_layerWindows[static_cast<std::size_t>(l)])
                                : QString::number(l));
    m_heatmap->setCategoryLabels(layerLabels, {});
    m_model->setValueName(metricLabel(map->metric));
    m_model->setScores(m.layers, m.heads, m.values, map->ciHalfWidth);
    fitTableWidth();
    applySelection(m_heads, false); // the model was reset: select the rows again
    updateInfo();
    Q_EMIT scoresShown(m);
}

void ScoresPanel::fitTableWidth()
{
    // The columns sized to their contents decide the table's width, so the splitter never
    // cuts the last (95 % CI) column to "± …".
    QHeaderView* header = m_table->horizontalHeader();
    int columns = 0;
    for (int c = 0; c < header->count(); ++c)
        if (!header->isSectionHidden(c))
            columns += std::max({header->sectionSize(c), header->sectionSizeHint(c),
                                 static_cast<const QAbstractItemView*>(m_table)->sizeHintForColumn(c)});
    const int width = columns + m_table->verticalScrollBar()->sizeHint().width() + 2 * m_table->frameWidth() + 4;
    m_table->setMinimumWidth(std::max(360, width));
}

void ScoresPanel::updateInfo()
{
    const MetricMap* map = currentMap();
    if (!map) {
        m_info->setText(m_set.empty() ? QStringLiteral("Open a score file or session (Ctrl+O)")
                                      : QStringLiteral("This source has no %1").arg(metricLabel(metric())));
        return;
    }
    const ScoreMatrix& m = map->matrix;
    QString text = QStringLiteral("%1 × %2 %3").arg(m.layers).arg(m.heads).arg(
        m.granularity == HeadGranularity::KvHead ? QStringLiteral("KV heads") : QStringLiteral("heads"));
    if (map->tests > 0)
        text += QStringLiteral(", %1 %2").arg(map->tests).arg(map->tests == 1 ? QStringLiteral("test") : QStringLiteral("tests"));
    if (!map->note.isEmpty())
        text += QStringLiteral(" · %1").arg(map->note);
    if (!m_heads.isEmpty())
        text += QStringLiteral(" · %1 selected: %2").arg(m_heads.size()).arg(headsText(m_heads));
    m_info->setText(text);
}

void ScoresPanel::selectHead(int layer, int head)
{
    applySelection({qMakePair(layer, head)}, false);
}

void ScoresPanel::selectHeads(const Heads& heads)
{
    applySelection(heads, false);
}

void ScoresPanel::selectTopHeads(int k)
{
    const MetricMap* map = currentMap();
    if (!map)
        return;
    const std::vector<double>& v = map->matrix.values;
    std::vector<int> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    const auto key = [&v](int i) { return std::isnan(v[static_cast<std::size_t>(i)]) ? -HUGE_VAL : v[static_cast<std::size_t>(i)]; };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key(a) > key(b); });
    Heads heads;
    const int heads1 = map->matrix.heads;
    for (int i = 0; i < k && i < static_cast<int>(order.size()); ++i)
        heads << qMakePair(order[static_cast<std::size_t>(i)] / heads1, order[static_cast<std::size_t>(i)] % heads1);
    applySelection(heads, true);
}

void ScoresPanel::applySelection(const Heads& requested, bool emitSignals)
{
    Heads heads;
    for (const auto& h : requested)
        if (h.first >= 0 && h.second >= 0 && h.first < m_model->layers() && h.second < m_model->heads() && !heads.contains(h))
            heads << h;
    if (m_model->layers() == 0) // no map yet: keep what was asked for
        heads = requested;
    m_heads = heads;
    m_syncing = true;
    m_heatmap->setSelectedCells(heads);
    // Rows outside the table's top N are shown by showing every row.
    for (const auto& h : heads)
        if (!m_proxy->mapFromSource(m_model->index(CellRef{h.first, h.second})).isValid() && m_topN->value() != 0) {
            m_topN->setValue(0);
            break;
        }
    QItemSelection selection;
    for (const auto& h : heads) {
        const QModelIndex row = m_proxy->mapFromSource(m_model->index(CellRef{h.first, h.second}));
        if (row.isValid())
            selection.select(row, row.siblingAtColumn(HeadScoreModel::ColumnCount - 1));
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (!heads.isEmpty()) {
        const QModelIndex current = m_proxy->mapFromSource(m_model->index(CellRef{heads.back().first, heads.back().second}));
        m_table->selectionModel()->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
        m_table->scrollTo(current);
    }
    m_syncing = false;
    m_ablate->setEnabled(m_ablationAvailable && !m_heads.isEmpty());
    updateInfo();
    if (emitSignals) {
        if (!m_heads.isEmpty())
            Q_EMIT headSelected(m_heads.back().first, m_heads.back().second);
        Q_EMIT headsSelected(m_heads);
    }
}

void ScoresPanel::onTableSelectionChanged()
{
    if (m_syncing)
        return;
    // Keep the order heads were picked in: those still selected first, newly selected after
    // (the row just clicked is last: the current head).
    Heads now;
    for (const QModelIndex& row : m_table->selectionModel()->selectedRows()) {
        const CellRef cell = m_model->fromIndex(m_proxy->mapToSource(row));
        if (cell.valid())
            now << qMakePair(cell.layer, cell.head);
    }
    Heads ordered;
    for (const auto& h : m_heads)
        if (now.contains(h))
            ordered << h;
    for (const auto& h : now)
        if (!ordered.contains(h))
            ordered << h;
    m_heads = ordered;
    m_heatmap->setSelectedCells(ordered);
    m_ablate->setEnabled(m_ablationAvailable && !m_heads.isEmpty());
    updateInfo();
    if (!m_heads.isEmpty())
        Q_EMIT headSelected(m_heads.back().first, m_heads.back().second);
    Q_EMIT headsSelected(m_heads);
}

} // namespace headscope::views
