#include "plots/heatmap_plot.h"

#include <qcustomplot.h>

#include <QHelpEvent>
#include <QMouseEvent>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace headscope::views {

namespace {

QCPColorGradient gradientFor(HeatmapPlot::Palette palette)
{
    QCPColorGradient g;
    g.clearColorStops();
    switch (palette) {
    case HeatmapPlot::Palette::Viridis: // matplotlib's viridis, sampled at 8 stops
        g.setColorStopAt(0.000, QColor(68, 1, 84));
        g.setColorStopAt(0.143, QColor(70, 50, 127));
        g.setColorStopAt(0.286, QColor(54, 92, 141));
        g.setColorStopAt(0.429, QColor(39, 127, 142));
        g.setColorStopAt(0.571, QColor(31, 161, 135));
        g.setColorStopAt(0.714, QColor(74, 194, 109));
        g.setColorStopAt(0.857, QColor(159, 218, 58));
        g.setColorStopAt(1.000, QColor(253, 231, 37));
        break;
    case HeatmapPlot::Palette::Heat:
        g.setColorStopAt(0.0, QColor(255, 255, 229));
        g.setColorStopAt(0.3, QColor(254, 196, 79));
        g.setColorStopAt(0.6, QColor(236, 112, 20));
        g.setColorStopAt(1.0, QColor(102, 37, 6));
        break;
    case HeatmapPlot::Palette::Diverging:
        g.setColorStopAt(0.0, QColor(33, 102, 172));
        g.setColorStopAt(0.5, QColor(247, 247, 247));
        g.setColorStopAt(1.0, QColor(178, 24, 43));
        break;
    }
    g.setNanHandling(QCPColorGradient::nhTransparent);
    return g;
}

QSharedPointer<QCPAxisTicker> tickerFor(int count, const QStringList& labels)
{
    const int step = std::max(1, (count + 15) / 16);
    if (!labels.isEmpty()) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (int i = 0; i < labels.size(); i += step)
            ticker->addTick(i, labels[i]);
        return ticker;
    }
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(step);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
    return ticker;
}

// The colour scale's ticks: QCustomPlot's round steps, plus both ends of the range labelled
// (to 3 significant digits, more when 3 would make the two ends read the same), so the lowest
// and highest colours always say what they mean. Round ticks too close to an end to leave room
// for its label are dropped.
class ScaleTicker : public QCPAxisTicker {
protected:
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override
    {
        m_lower = range.lower;
        m_upper = range.upper;
        m_digits = 3;
        while (m_digits < 12 && QString::number(m_lower, 'g', m_digits) == QString::number(m_upper, 'g', m_digits))
            ++m_digits;
        QVector<double> ticks{range.lower};
        const double gap = 0.4 * tickStep;
        for (double t : QCPAxisTicker::createTickVector(tickStep, range))
            if (t > range.lower + gap && t < range.upper - gap)
                ticks << t;
        ticks << range.upper;
        return ticks;
    }
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override
    {
        if (tick == m_lower || tick == m_upper)
            return locale.toString(tick, 'g', m_digits);
        return QCPAxisTicker::getTickLabel(tick, locale, formatChar, precision);
    }

private:
    double m_lower = 0.0;
    double m_upper = 0.0;
    int m_digits = 3;
};

} // namespace

// Cells drawn as vector rectangles: an SVG or PDF export holds one rectangle per cell (sharp
// at any zoom), and a single row or column is as visible as any other.
class HeatmapPlot::CellMap : public QCPAbstractPlottable {
public:
    CellMap(QCPAxis* key, QCPAxis* value, const HeatmapPlot* owner) : QCPAbstractPlottable(key, value), m_owner(owner)
    {
        setAntialiased(false);
        setSelectable(QCP::stNone);
    }

    QCPColorGradient gradient;
    QCPRange range{0.0, 1.0};
    bool showSelection = true;

    double selectTest(const QPointF&, bool, QVariant*) const override { return -1.0; }
    QCPRange getKeyRange(bool& found, QCP::SignDomain) const override
    {
        found = m_owner->cols() > 0;
        return QCPRange(-0.5, m_owner->cols() - 0.5);
    }
    QCPRange getValueRange(bool& found, QCP::SignDomain, const QCPRange&) const override
    {
        found = m_owner->rows() > 0;
        return QCPRange(-0.5, m_owner->rows() - 0.5);
    }
    QColor color(double v) { return std::isnan(v) ? QColor() : QColor::fromRgba(gradient.color(v, range)); }

protected:
    QRectF cellRect(int row, int col) const
    {
        const QPointF a = coordsToPixels(col - 0.5, row - 0.5);
        const QPointF b = coordsToPixels(col + 0.5, row + 0.5);
        return QRectF(a, b).normalized();
    }
    void draw(QCPPainter* painter) override
    {
        painter->setPen(Qt::NoPen);
        for (int r = 0; r < m_owner->rows(); ++r)
            for (int c = 0; c < m_owner->cols(); ++c) {
                const QColor fill = color(m_owner->value(r, c));
                if (fill.isValid())
                    painter->fillRect(cellRect(r, c), fill);
            }
        if (!showSelection)
            return;
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(QColor(255, 40, 40), 2.5));
        for (const auto& [r, c] : m_owner->selectedCells())
            painter->drawRect(cellRect(r, c));
    }
    void drawLegendIcon(QCPPainter*, const QRectF&) const override {}

private:
    const HeatmapPlot* m_owner;
};

HeatmapPlot::HeatmapPlot(QWidget* parent) : PlotWidget(parent)
{
    qRegisterMetaType<Cells>();
    applyStyle();
    QCustomPlot* p = plot();
    p->axisRect()->setupFullAxesBox(false);
    // The top and right axes only close the box: their own ticks matched no cell.
    p->xAxis2->setTicks(false);
    p->yAxis2->setTicks(false);
    p->xAxis->grid()->setVisible(false);
    p->yAxis->grid()->setVisible(false);
    p->yAxis->setRangeReversed(true);
    p->xAxis->setSubTicks(false);
    p->yAxis->setSubTicks(false);

    m_map = new CellMap(p->xAxis, p->yAxis, this);
    m_scale = new QCPColorScale(p);
    p->plotLayout()->addElement(0, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->axis()->setTickLabelFont(p->xAxis->tickLabelFont());
    m_scale->axis()->setLabelFont(p->xAxis->labelFont());
    m_scale->setBarWidth(12);
    m_scale->axis()->setTicker(QSharedPointer<ScaleTicker>::create());
    m_scale->axis()->setSubTicks(false); // the ends make the steps uneven
    // The scale's label must survive the smallest size: a fixed margin leaves room for it.
    m_scale->setMinimumMargins(QMargins(0, 0, 6, 0));
    auto* group = new QCPMarginGroup(p);
    p->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);

    m_empty = new QCPItemText(p);
    m_empty->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_empty->position->setCoords(0.5, 0.5);
    m_empty->setText(QStringLiteral("No data"));
    m_empty->setColor(QColor(0x70, 0x70, 0x70));
    m_empty->setClipToAxisRect(false);

    setPalette(Palette::Viridis);
    setMouseTracking(true);
    p->setMouseTracking(true);
    p->installEventFilter(this);
    p->xAxis->setLabel(m_colTitle);
    p->yAxis->setLabel(m_rowTitle);
    m_scale->axis()->setLabel(m_valueLabel);
}

HeatmapPlot::~HeatmapPlot() = default;

void HeatmapPlot::setData(int rows, int cols, std::span<const double> values)
{
    m_rows = std::max(rows, 0);
    m_cols = std::max(cols, 0);
    m_values.assign(values.begin(), values.end());
    m_values.resize(static_cast<std::size_t>(m_rows) * m_cols, std::nan(""));
    if (m_ci.size() != m_values.size())
        m_ci.clear();
    rebuildRanks();

    const bool empty = m_rows == 0 || m_cols == 0;
    m_map->setVisible(!empty);
    m_scale->setVisible(!empty);
    m_empty->setVisible(empty);
    plot()->xAxis->setTickLabels(!empty);
    plot()->yAxis->setTickLabels(!empty);
    plot()->xAxis->setTicks(!empty); // an empty map is a frame around its hint, no scale
    plot()->yAxis->setTicks(!empty);
    applyRange();
    plot()->xAxis->setRange(-0.5, std::max(m_cols, 1) - 0.5);
    plot()->yAxis->setRange(-0.5, std::max(m_rows, 1) - 0.5);
    Cells kept;
    for (const auto& cell : m_selection)
        if (cell.first < m_rows && cell.second < m_cols)
            kept << cell;
    m_selection = kept;
    updateTicks();
    plot()->replot();
}

void HeatmapPlot::applyRange()
{
    QCPRange range(m_lower, m_upper);
    if (!m_fixedRange) {
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (double v : m_values)
            if (!std::isnan(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        if (lo > hi)
            lo = hi = 0.0;
        range = QCPRange(lo, hi);
        if (range.size() <= 0.0) // a constant map would otherwise get no gradient at all
            range = QCPRange(lo - 0.5, hi + 0.5);
    }
    m_map->range = range;
    m_scale->setDataRange(range);
}

QStringList HeatmapPlot::colorScaleLabels() const
{
    QStringList labels;
    const QVector<double> ticks = m_scale->axis()->tickVector();
    const QVector<QString> texts = m_scale->axis()->tickVectorLabels();
    // Ordered by value: the axis lists them in its own (possibly reversed) order.
    QList<QPair<double, QString>> pairs;
    for (int i = 0; i < ticks.size() && i < texts.size(); ++i)
        pairs.append({ticks[i], texts[i]});
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& p : pairs)
        labels << p.second;
    return labels;
}

void HeatmapPlot::setEmptyText(const QString& text)
{
    m_empty->setText(text);
    plot()->replot();
}

void HeatmapPlot::setConfidence(std::span<const double> ciHalfWidth, int tests)
{
    m_ci.assign(ciHalfWidth.begin(), ciHalfWidth.end());
    m_tests = tests;
}

void HeatmapPlot::setAxisTitles(const QString& rowTitle, const QString& colTitle)
{
    m_rowTitle = rowTitle;
    m_colTitle = colTitle;
    plot()->yAxis->setLabel(rowTitle);
    plot()->xAxis->setLabel(colTitle);
    plot()->replot();
}

void HeatmapPlot::setCategoryLabels(const QStringList& rowLabels, const QStringList& colLabels)
{
    m_rowLabels = rowLabels;
    m_colLabels = colLabels;
    updateTicks();
    plot()->replot();
}

void HeatmapPlot::setValueLabel(const QString& label)
{
    m_valueLabel = label;
    m_scale->axis()->setLabel(label);
    plot()->replot();
}

void HeatmapPlot::setPalette(Palette palette)
{
    m_map->gradient = gradientFor(palette);
    m_scale->setGradient(m_map->gradient);
    plot()->replot();
}

void HeatmapPlot::setValueRange(double lower, double upper)
{
    m_fixedRange = true;
    m_lower = lower;
    m_upper = upper > lower ? upper : lower + 1.0;
    applyRange();
    plot()->replot();
}

void HeatmapPlot::clearValueRange()
{
    m_fixedRange = false;
    applyRange();
    plot()->replot();
}

double HeatmapPlot::value(int row, int col) const
{
    if (row < 0 || col < 0 || row >= m_rows || col >= m_cols)
        return std::nan("");
    return m_values[static_cast<std::size_t>(row) * m_cols + col];
}

QColor HeatmapPlot::cellColor(int row, int col) const
{
    return m_map->color(value(row, col));
}

int HeatmapPlot::rank(int row, int col) const
{
    if (row < 0 || col < 0 || row >= m_rows || col >= m_cols)
        return 0;
    return m_ranks[static_cast<std::size_t>(row) * m_cols + col];
}

void HeatmapPlot::rebuildRanks()
{
    const std::size_t n = m_values.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto key = [this](std::size_t i) { return std::isnan(m_values[i]) ? -HUGE_VAL : m_values[i]; };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
    m_ranks.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const bool tie = i > 0 && key(order[i]) == key(order[i - 1]);
        m_ranks[order[i]] = tie ? m_ranks[order[i - 1]] : static_cast<int>(i) + 1;
    }
}

QString HeatmapPlot::tooltipText(int row, int col) const
{
    if (row < 0 || col < 0 || row >= m_rows || col >= m_cols)
        return {};
    const auto rowName = m_rowLabels.value(row, QString::number(row));
    const auto colName = m_colLabels.value(col, QString::number(col));
    const double v = value(row, col);
    QString text = QStringLiteral("%1 %2, %3 %4\n%5: %6")
                       .arg(m_rowTitle, rowName, m_colTitle.toLower(), colName, m_valueLabel,
                            std::isnan(v) ? QStringLiteral("—") : QString::number(v, 'g', 4));
    text += QStringLiteral("\nrank %1 of %2").arg(rank(row, col)).arg(m_rows * m_cols);
    if (!m_ci.empty()) {
        const double ci = m_ci[static_cast<std::size_t>(row) * m_cols + col];
        text += QStringLiteral("\nmean %1 ± %2 (95% CI, %3 %4)")
                    .arg(QString::number(v, 'g', 4), QString::number(ci, 'g', 3))
                    .arg(m_tests)
                    .arg(m_tests == 1 ? QStringLiteral("test") : QStringLiteral("tests"));
    }
    return text;
}

bool HeatmapPlot::cellAt(const QPoint& pos, int* row, int* col) const
{
    if (!plot()->axisRect()->rect().contains(pos) || m_rows == 0 || m_cols == 0)
        return false;
    const int c = static_cast<int>(std::lround(plot()->xAxis->pixelToCoord(pos.x())));
    const int r = static_cast<int>(std::lround(plot()->yAxis->pixelToCoord(pos.y())));
    if (r < 0 || c < 0 || r >= m_rows || c >= m_cols)
        return false;
    *row = r;
    *col = c;
    return true;
}

QPoint HeatmapPlot::cellCenter(int row, int col) const
{
    return QPoint(static_cast<int>(plot()->xAxis->coordToPixel(col)),
                  static_cast<int>(plot()->yAxis->coordToPixel(row)));
}

void HeatmapPlot::selectCell(int row, int col)
{
    Cells cells;
    if (row >= 0 && col >= 0)
        cells << qMakePair(row, col);
    setSelectedCells(cells);
    m_anchor = QPoint(row, col);
}

void HeatmapPlot::setSelectedCells(const Cells& cells)
{
    m_selection.clear();
    for (const auto& cell : cells)
        if (cell.first >= 0 && cell.second >= 0 && cell.first < std::max(m_rows, 1) && cell.second < std::max(m_cols, 1) &&
            !m_selection.contains(cell))
            m_selection << cell;
    plot()->replot();
}

void HeatmapPlot::clearSelection()
{
    m_anchor = QPoint(-1, -1);
    setSelectedCells({});
}

void HeatmapPlot::setRect(int r0, int c0, int r1, int c1, const Cells& base)
{
    Cells cells = base;
    for (int r = std::min(r0, r1); r <= std::max(r0, r1); ++r)
        for (int c = std::min(c0, c1); c <= std::max(c0, c1); ++c)
            if (!(r == r1 && c == c1) && !cells.contains(qMakePair(r, c)))
                cells << qMakePair(r, c);
    cells.removeAll(qMakePair(r1, c1));
    cells << qMakePair(r1, c1); // the cell under the pointer is the current one
    if (cells != m_selection) {
        m_selection = cells;
        plot()->replot();
        Q_EMIT selectionChanged(m_selection);
    }
}

void HeatmapPlot::updateTicks()
{
    plot()->xAxis->setTicker(tickerFor(m_cols, m_colLabels));
    plot()->yAxis->setTicker(tickerFor(m_rows, m_rowLabels));
}

void HeatmapPlot::setExporting(bool exporting)
{
    m_map->showSelection = !exporting;
}

bool HeatmapPlot::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == plot()) {
        int r = 0;
        int c = 0;
        if (event->type() == QEvent::MouseButtonPress) {
            auto* me = static_cast<QMouseEvent*>(event);
            if (me->button() == Qt::LeftButton && cellAt(me->position().toPoint(), &r, &c)) {
                const Qt::KeyboardModifiers mods = me->modifiers();
                if (m_multi && (mods & Qt::ControlModifier)) {
                    const auto cell = qMakePair(r, c);
                    if (m_selection.contains(cell)) {
                        // Toggling a cell off keeps the Shift anchor unless it was that cell.
                        m_selection.removeAll(cell);
                        if (m_anchor == QPoint(r, c))
                            m_anchor = m_selection.isEmpty() ? QPoint(-1, -1)
                                                             : QPoint(m_selection.back().first, m_selection.back().second);
                    } else {
                        m_selection << cell;
                        m_anchor = QPoint(r, c);
                    }
                    plot()->replot();
                    Q_EMIT selectionChanged(m_selection);
                } else if (m_multi && (mods & Qt::ShiftModifier) && m_anchor.x() >= 0) {
                    setRect(m_anchor.x(), m_anchor.y(), r, c, {});
                } else {
                    selectCell(r, c);
                    m_dragging = m_multi;
                    Q_EMIT cellClicked(r, c);
                    Q_EMIT selectionChanged(m_selection);
                }
            }
        } else if (event->type() == QEvent::MouseMove) {
            auto* me = static_cast<QMouseEvent*>(event);
            if (cellAt(me->position().toPoint(), &r, &c)) {
                if (m_dragging && (me->buttons() & Qt::LeftButton))
                    setRect(m_anchor.x(), m_anchor.y(), r, c, {});
                Q_EMIT cellHovered(r, c);
            }
        } else if (event->type() == QEvent::MouseButtonRelease) {
            m_dragging = false;
        } else if (event->type() == QEvent::ToolTip) {
            auto* he = static_cast<QHelpEvent*>(event);
            if (cellAt(he->pos(), &r, &c))
                QToolTip::showText(he->globalPos(), tooltipText(r, c), plot());
            else
                QToolTip::hideText();
            return true;
        }
    }
    return PlotWidget::eventFilter(watched, event);
}

} // namespace headscope::views
