#include "widgets/needle_grid_panel.h"

#include "plots/attention_row_plot.h"
#include "plots/heatmap_plot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace headscope::views {

NeedleGridPanel::NeedleGridPanel(QWidget* parent)
    : QWidget(parent), m_grid(new HeatmapPlot(this)), m_testMap(new HeatmapPlot(this)),
      m_row(new AttentionRowPlot(this)), m_details(new QTextBrowser(this)), m_metric(new QComboBox(this)),
      m_step(new QSpinBox(this))
{
    m_grid->setAxisTitles(QStringLiteral("Depth %"), QStringLiteral("Context length"));
    m_grid->setPalette(HeatmapPlot::Palette::Heat);
    m_testMap->setMinimumSize(220, 200);
    m_grid->setEmptyText(QStringLiteral("Open a probe session (.h5)\nto see its depth × length grid"));
    m_testMap->setEmptyText(QStringLiteral("Click a grid cell\nto open its test"));
    m_grid->setData(0, 0, {});
    m_testMap->setData(0, 0, {});
    m_details->setMinimumWidth(220);
    m_step->setRange(0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(QStringLiteral("Test metric:"), this));
    bar->addWidget(m_metric);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(QStringLiteral("Step:"), this));
    bar->addWidget(m_step);
    bar->addStretch(1);

    auto* top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_grid);
    top->addWidget(m_testMap);
    top->addWidget(m_details);
    top->setStretchFactor(0, 2);
    top->setStretchFactor(1, 2);
    top->setStretchFactor(2, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(m_row);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_grid, &HeatmapPlot::cellClicked, this, [this](int row, int col) { openCell(row, col); });
    connect(m_testMap, &HeatmapPlot::cellClicked, this, &NeedleGridPanel::selectHead);
    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] { openTest(m_test); });
    connect(m_step, &QSpinBox::valueChanged, this, [this] { showRow(); });
}

void NeedleGridPanel::setSource(std::shared_ptr<const SessionSource> source)
{
    m_source = std::move(source);
    m_test = -1;
    const QSignalBlocker block(m_metric);
    m_metric->clear();
    if (m_source)
        for (HeadMetric metric : m_source->metrics())
            m_metric->addItem(metricLabel(metric), static_cast<int>(metric));
    rebuildGrid();
    if (m_source && !m_source->tests().empty())
        openTest(m_source->tests().front().id);
}

void NeedleGridPanel::setGate(int gate)
{
    m_gate = std::max(gate, 0);
    rebuildGrid();
}

void NeedleGridPanel::rebuildGrid()
{
    m_lengths.clear();
    m_depths.clear();
    if (!m_source) {
        m_grid->setData(0, 0, {});
        return;
    }
    m_lengths = m_source->distinctLengths();
    m_depths = m_source->distinctDepths();
    const int rows = static_cast<int>(m_depths.size());
    const int cols = static_cast<int>(m_lengths.size());
    std::vector<double> sum(static_cast<std::size_t>(rows) * cols, 0.0);
    std::vector<int> count(sum.size(), 0);
    for (const TestInfo& t : m_source->tests()) {
        const auto r = std::find(m_depths.begin(), m_depths.end(), t.depth) - m_depths.begin();
        const auto c = std::find(m_lengths.begin(), m_lengths.end(), t.length) - m_lengths.begin();
        const auto g = static_cast<std::size_t>(m_gate);
        if (g >= t.gates.size())
            continue;
        sum[static_cast<std::size_t>(r * cols + c)] += t.gates[g];
        ++count[static_cast<std::size_t>(r * cols + c)];
    }
    for (std::size_t i = 0; i < sum.size(); ++i)
        sum[i] = count[i] ? sum[i] / count[i] : std::nan("");
    QStringList rowLabels;
    QStringList colLabels;
    for (double d : m_depths)
        rowLabels << QString::number(d);
    for (int l : m_lengths)
        colLabels << QString::number(l);
    m_grid->setCategoryLabels(rowLabels, colLabels);
    const QStringList gates = m_source->gates();
    m_grid->setValueLabel(gates.value(m_gate, QStringLiteral("gate")));
    m_grid->setValueRange(0.0, 100.0);
    m_grid->setData(rows, cols, sum);
}

int NeedleGridPanel::openCell(int row, int col)
{
    if (!m_source || row < 0 || col < 0 || row >= static_cast<int>(m_depths.size()) ||
        col >= static_cast<int>(m_lengths.size()))
        return -1;
    m_grid->selectCell(row, col);
    for (const TestInfo& t : m_source->tests()) {
        if (t.depth == m_depths[static_cast<std::size_t>(row)] && t.length == m_lengths[static_cast<std::size_t>(col)]) {
            openTest(t.id);
            return t.id;
        }
    }
    return -1;
}

void NeedleGridPanel::openTest(int testId)
{
    if (!m_source)
        return;
    const TestInfo* it = m_source->findTest(testId);
    if (!it)
        return;
    m_test = testId;
    const auto metric = static_cast<HeadMetric>(m_metric->currentData().toInt());
    const ScoreMatrix m = m_source->testScores(testId, metric);
    m_testMap->setValueLabel(QStringLiteral("%1, test %2").arg(metricLabel(metric)).arg(testId));
    m_testMap->setData(m.layers, m.heads, m.values);
    m_step->setRange(0, std::max(0, m_source->steps(testId) - 1));
    QString gates;
    const QStringList names = m_source->gates();
    for (int i = 0; i < names.size() && i < static_cast<int>(it->gates.size()); ++i)
        gates += QStringLiteral("%1 = %2<br>").arg(names[i]).arg(it->gates[static_cast<std::size_t>(i)], 0, 'f', 1);
    m_details->setHtml(QStringLiteral("<h3>Test %1</h3><p>length %2 · depth %3% · needle %4</p>"
                                      "<p><b>Question</b><br>%5</p><p><b>Expected</b><br>%6</p>"
                                      "<p><b>Generated</b><br>%7</p><p>%8</p>")
                           .arg(it->id)
                           .arg(it->length)
                           .arg(it->depth)
                           .arg(it->needleId.toHtmlEscaped(), it->question.toHtmlEscaped(),
                                it->expected.toHtmlEscaped(), it->generated.toHtmlEscaped(), gates));
    // Default head: the test's strongest head for this metric.
    if (!m.values.empty()) {
        const auto best = std::max_element(m.values.begin(), m.values.end()) - m.values.begin();
        selectHead(static_cast<int>(best / m.heads), static_cast<int>(best % m.heads));
    }
    Q_EMIT testOpened(*it);
}

void NeedleGridPanel::selectHead(int layer, int head)
{
    m_layer = layer;
    m_head = head;
    m_testMap->selectCell(layer, head);
    showRow();
}

void NeedleGridPanel::showRow()
{
    if (!m_source || m_test < 0)
        return;
    auto row = m_source->attentionRow(m_test, m_step->value(), m_layer, m_head);
    if (!row) {
        m_row->setRow({});
        return;
    }
    m_row->setRow(*row);
    const QStringList hot = m_row->hottestContexts(5, 4);
    m_row->setToolTip(hot.join(QLatin1Char('\n')));
    // The mass from top-K alone is a lower bound, so say which row it was summed over.
    m_details->append(QStringLiteral("<p><b>L%1 H%2, step %3</b>: needle mass %4 · %5</p>")
                          .arg(m_layer)
                          .arg(m_head)
                          .arg(m_step->value())
                          .arg(m_row->needleMass(), 0, 'f', 3)
                          .arg(m_row->modeLabel().toHtmlEscaped()));
    for (const QString& line : hot)
        m_details->append(QStringLiteral("<tt>%1</tt>").arg(line.toHtmlEscaped()));
}

} // namespace headscope::views
