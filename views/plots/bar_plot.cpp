#include "plots/bar_plot.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace headscope::views {

BarPlot::BarPlot(QWidget* parent)
    : PlotWidget(parent), m_reference(std::nan("")), m_lower(std::nan("")), m_upper(std::nan(""))
{
    applyStyle();
    plot()->xAxis->grid()->setVisible(false);
    plot()->xAxis->setSubTicks(false);
    plot()->legend->setFont(plot()->xAxis->tickLabelFont());
    plot()->legend->setBrush(QBrush(QColor(255, 255, 255, 210)));
    plot()->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
}

BarPlot::~BarPlot() = default;

void BarPlot::setAxisTitles(const QString& xTitle, const QString& yTitle)
{
    plot()->xAxis->setLabel(xTitle);
    plot()->yAxis->setLabel(yTitle);
    plot()->replot();
}

void BarPlot::setCategoryLabels(const QStringList& labels)
{
    m_labels = labels;
    setSeries(std::vector<Series>(m_series));
}

void BarPlot::setReferenceLine(double y, const QString& label)
{
    m_reference = y;
    m_referenceLabel = label;
    setSeries(std::vector<Series>(m_series));
}

void BarPlot::setValueRange(double lower, double upper)
{
    m_lower = lower;
    m_upper = upper;
    setSeries(std::vector<Series>(m_series));
}

double BarPlot::valueLower() const
{
    return plot()->yAxis->range().lower;
}

double BarPlot::valueUpper() const
{
    return plot()->yAxis->range().upper;
}

bool BarPlot::legendVisible() const
{
    return plot()->legend->visible();
}

double BarPlot::stackedTotal(int bar) const
{
    double total = 0.0;
    for (const Series& s : m_series)
        if (bar >= 0 && bar < static_cast<int>(s.values.size()))
            total += s.values[static_cast<std::size_t>(bar)];
    return total;
}

void BarPlot::setSeries(const std::vector<Series>& series)
{
    QCustomPlot* p = plot();
    p->clearPlottables();
    p->clearItems();
    m_series = series;
    m_bars = 0;
    for (const Series& s : series)
        m_bars = std::max(m_bars, static_cast<int>(s.values.size()));

    QVector<double> keys(m_bars);
    for (int i = 0; i < m_bars; ++i)
        keys[i] = i;
    QCPBars* below = nullptr;
    double top = 0.0;
    for (const Series& s : series) {
        auto* bars = new QCPBars(p->xAxis, p->yAxis);
        bars->setName(s.name);
        bars->setPen(QPen(s.color.darker(130)));
        bars->setBrush(s.color);
        bars->setWidth(0.8);
        QVector<double> v(m_bars, 0.0);
        for (std::size_t i = 0; i < s.values.size(); ++i)
            v[static_cast<int>(i)] = s.values[i];
        bars->setData(keys, v, true);
        if (below)
            bars->moveAbove(below);
        below = bars;
    }
    for (int i = 0; i < m_bars; ++i)
        top = std::max(top, stackedTotal(i));
    if (!std::isnan(m_reference)) {
        // A graph, not a text item: its name goes in the legend, where it cannot cover a bar.
        QCPGraph* line = p->addGraph();
        line->setName(m_referenceLabel);
        line->setPen(QPen(QColor(200, 30, 30), 1.5, Qt::DashLine));
        line->setData(QVector<double>{-1.0, static_cast<double>(m_bars)}, QVector<double>{m_reference, m_reference});
        top = std::max(top, m_reference);
    }
    if (!m_labels.isEmpty()) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (int i = 0; i < m_labels.size(); ++i)
            ticker->addTick(i, m_labels[i]);
        p->xAxis->setTicker(ticker);
    } else {
        auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
        ticker->setTickStep(std::max(1, (m_bars + 15) / 16));
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
        p->xAxis->setTicker(ticker);
    }
    p->xAxis->setRange(-0.6, m_bars - 0.4);
    if (!std::isnan(m_lower) && !std::isnan(m_upper))
        p->yAxis->setRange(m_lower, m_upper);
    else
        p->yAxis->setRange(0.0, top > 0.0 ? top * 1.12 : 1.0);
    const bool legend = series.size() > 1 || !std::isnan(m_reference);
    p->legend->setVisible(legend);
    // The legend goes in its own column right of the bars so it never covers them.
    if (legend && p->plotLayout()->columnCount() == 1) {
        p->axisRect()->insetLayout()->take(p->legend);
        // Stacked at the top of its column: alone in the cell, the legend's rows were spread
        // over the plot's whole height.
        auto* column = new QCPLayoutGrid;
        p->plotLayout()->addElement(0, 1, column);
        column->addElement(0, 0, p->legend);
        column->addElement(1, 0, new QCPLayoutElement(p));
        column->setRowStretchFactor(0, 0.001);
        column->setRowSpacing(0);
        p->plotLayout()->setColumnStretchFactor(1, 0.001);
        p->legend->setMargins(QMargins(6, 6, 6, 6));
        p->legend->setBorderPen(Qt::NoPen);
        p->legend->setBrush(Qt::NoBrush);
        p->plotLayout()->setColumnSpacing(0);
    }
    p->replot();
}

} // namespace headscope::views
