#include "plots/accuracy_budget_plot.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace headscope::views {

AccuracyBudgetPlot::AccuracyBudgetPlot(QWidget* parent) : PlotWidget(parent)
{
    applyStyle();
    QCustomPlot* p = plot();
    p->xAxis->setScaleType(QCPAxis::stLogarithmic);
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    ticker->setLogBase(2.0);
    ticker->setSubTickCount(0);
    p->xAxis->setTicker(ticker);
    p->xAxis->setNumberFormat(QStringLiteral("f"));
    p->xAxis->setNumberPrecision(0);
    p->legend->setFont(p->xAxis->tickLabelFont());
    p->legend->setBrush(QBrush(QColor(255, 255, 255, 210)));
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
}

AccuracyBudgetPlot::~AccuracyBudgetPlot() = default;

void AccuracyBudgetPlot::setAxisTitles(const QString& xTitle, const QString& yTitle)
{
    plot()->xAxis->setLabel(xTitle);
    plot()->yAxis->setLabel(yTitle);
    plot()->replot();
}

void AccuracyBudgetPlot::setData(const std::vector<Curve>& curves, const std::optional<Reference>& full)
{
    m_curves = curves;
    m_full = full;
    QCustomPlot* p = plot();
    p->clearPlottables();
    p->clearItems();

    double lowest = std::numeric_limits<double>::infinity(), highest = 0.0;
    double bottom = full ? full->low : 0.0, top = full ? full->high : 0.0;
    const int n = static_cast<int>(curves.size());
    for (int c = 0; c < n; ++c) {
        const Curve& curve = curves[static_cast<std::size_t>(c)];
        // A fraction of an octave apart per method, centred on the true budget.
        const double shift = std::pow(2.0, 0.05 * (c - (n - 1) / 2.0));
        QVector<double> x, y, minus, plus;
        for (const Point& pt : curve.points) {
            if (pt.budget <= 0.0)
                continue;
            x << pt.budget * shift;
            y << pt.mean;
            minus << pt.mean - pt.low;
            plus << pt.high - pt.mean;
            lowest = std::min(lowest, pt.budget);
            highest = std::max(highest, pt.budget);
            bottom = std::min(bottom, pt.low);
            top = std::max(top, pt.high);
        }
        QCPGraph* g = p->addGraph();
        g->setName(curve.name);
        g->setPen(QPen(curve.color, 1.6));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, curve.color, curve.color, 6));
        g->setData(x, y, true);
        auto* bars = new QCPErrorBars(p->xAxis, p->yAxis);
        bars->removeFromLegend();
        bars->setDataPlottable(g);
        bars->setData(minus, plus);
        bars->setPen(QPen(curve.color, 1.0));
        bars->setWhiskerWidth(6);
    }
    if (!std::isfinite(lowest)) { // nothing but (maybe) the full cache
        lowest = 16.0;
        highest = 256.0;
    }
    if (full) {
        auto* band = new QCPItemRect(p);
        band->setPen(Qt::NoPen);
        band->setBrush(QColor(120, 120, 120, 40));
        band->topLeft->setTypeX(QCPItemPosition::ptAxisRectRatio);
        band->bottomRight->setTypeX(QCPItemPosition::ptAxisRectRatio);
        band->topLeft->setCoords(0.0, full->high);
        band->bottomRight->setCoords(1.0, full->low);
        band->setLayer(QStringLiteral("background"));
        auto* line = new QCPItemStraightLine(p);
        line->point1->setCoords(lowest, full->mean);
        line->point2->setCoords(highest, full->mean);
        line->setPen(QPen(QColor(60, 60, 60), 1.4, Qt::DashLine));
        auto* text = new QCPItemText(p);
        text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(0.01, full->mean);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        text->setText(full->name);
        text->setColor(QColor(60, 60, 60));
        text->setFont(p->xAxis->tickLabelFont());
    }
    p->xAxis->setRange(lowest / 1.4, highest * 1.4);
    const double pad = std::max(2.0, (top - bottom) * 0.08);
    p->yAxis->setRange(std::min(0.0, bottom - pad), top + pad);
    p->legend->setVisible(n > 0);
    p->replot();
}

} // namespace headscope::views
