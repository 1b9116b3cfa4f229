#include "plots/attention_row_plot.h"

#include <qcustomplot.h>

#include <algorithm>

namespace headscope::views {

AttentionRowPlot::AttentionRowPlot(QWidget* parent) : PlotWidget(parent)
{
    applyStyle();
    plot()->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot()->axisRect()->setRangeDrag(Qt::Horizontal);
    plot()->axisRect()->setRangeZoom(Qt::Horizontal);
    plot()->xAxis->setLabel(QStringLiteral("Context position (key)"));
    plot()->yAxis->setLabel(QStringLiteral("Attention weight"));
    plot()->legend->setVisible(false);
    plot()->legend->setFont(plot()->xAxis->tickLabelFont());
    plot()->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    // Outside the axis rect so it never covers the needle label or the legend.
    plot()->plotLayout()->insertRow(0);
    m_label = new QCPTextElement(plot(), QString(), plot()->xAxis->labelFont());
    m_label->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter);
    m_label->setMargins(QMargins(8, 4, 8, 0));
    plot()->plotLayout()->addElement(0, 0, m_label);
    setRow({});
}

AttentionRowPlot::~AttentionRowPlot() = default;

void AttentionRowPlot::setRow(const AttentionRow& row)
{
    m_row = row;
    if (m_row.keys == 0)
        m_row.keys = static_cast<int>(m_row.weights.size());
    QCustomPlot* p = plot();
    p->clearPlottables();
    p->clearItems();
    m_plotted = 0;
    double top = 0.0;

    if (m_row.needleBegin >= 0 && m_row.needleEnd > m_row.needleBegin) {
        auto* span = new QCPItemRect(p);
        span->setPen(Qt::NoPen);
        span->setBrush(QColor(245, 184, 65, 90));
        span->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        span->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        span->topLeft->setCoords(m_row.needleBegin - 0.5, 0.0);
        span->bottomRight->setCoords(m_row.needleEnd - 0.5, 1.0);
        span->setLayer(QStringLiteral("background"));
        auto* label = new QCPItemText(p);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords((m_row.needleBegin + m_row.needleEnd) / 2.0, 0.02);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
        label->setText(QStringLiteral("needle"));
        label->setColor(QColor(150, 100, 0));
        label->setFont(p->xAxis->tickLabelFont());
    }

    if (!m_row.weights.empty()) {
        QVector<double> x(static_cast<int>(m_row.weights.size()));
        QVector<double> y(x.size());
        for (int i = 0; i < x.size(); ++i) {
            x[i] = i;
            y[i] = m_row.weights[static_cast<std::size_t>(i)];
            top = std::max(top, y[i]);
        }
        QCPGraph* g = p->addGraph();
        g->setName(QStringLiteral("full row"));
        g->setPen(QPen(QColor(39, 127, 142), 1.2));
        g->setBrush(QColor(39, 127, 142, 50));
        g->setData(x, y, true);
        m_plotted = static_cast<int>(x.size());
    } else if (!m_row.topIndices.empty()) {
        auto* bars = new QCPBars(p->xAxis, p->yAxis);
        bars->setName(QStringLiteral("stored top-K"));
        bars->setPen(QPen(QColor(39, 127, 142)));
        bars->setBrush(QColor(39, 127, 142));
        bars->setWidth(std::max(1.0, m_row.keys / 400.0));
        QVector<double> x;
        QVector<double> y;
        for (std::size_t i = 0; i < m_row.topIndices.size() && i < m_row.topWeights.size(); ++i) {
            x << m_row.topIndices[i];
            y << m_row.topWeights[i];
        }
        bars->setData(x, y);
        m_plotted = static_cast<int>(x.size());
    }
    if (!m_row.topIndices.empty()) {
        // The probe's top-K: sessions store more entries than K when the needle is longer.
        const std::size_t k = m_row.topK > 0 ? std::min<std::size_t>(static_cast<std::size_t>(m_row.topK), m_row.topIndices.size())
                                              : m_row.topIndices.size();
        QCPGraph* marks = p->addGraph();
        marks->setName(QStringLiteral("top-K (K = %1)").arg(k));
        marks->setLineStyle(QCPGraph::lsNone);
        marks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(200, 30, 30), Qt::white, 7));
        QVector<double> x;
        QVector<double> y;
        for (std::size_t i = 0; i < k; ++i) {
            const int key = m_row.topIndices[i];
            double w = i < m_row.topWeights.size() ? m_row.topWeights[i] : 0.0;
            if (!m_row.weights.empty() && key >= 0 && key < static_cast<int>(m_row.weights.size()))
                w = m_row.weights[static_cast<std::size_t>(key)];
            x << key;
            y << w;
            top = std::max(top, w);
        }
        marks->setData(x, y);
    }
    p->legend->setVisible(p->plottableCount() > 0);
    if (m_row.keys == 0) {
        auto* hint = new QCPItemText(p);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(QStringLiteral("Select a test and a head to see its attention over the context"));
        hint->setColor(QColor(0x70, 0x70, 0x70));
    }
    const QString mode = modeLabel();
    m_label->setText(m_row.title.isEmpty() || mode.isEmpty() ? mode : m_row.title + QStringLiteral("  —  ") + mode);
    // Row color for a full row; a warm color for top-K only, which is the partial picture.
    m_label->setTextColor(showsFullRow() ? QColor(29, 95, 106) : QColor(170, 70, 20));
    p->xAxis->setRange(-0.5, std::max(1, m_row.keys) - 0.5);
    p->yAxis->setRange(0.0, top > 0.0 ? top * 1.1 : 1.0);
    p->replot();
}

QString AttentionRowPlot::modeLabel() const
{
    if (m_row.keys == 0)
        return {};
    if (showsFullRow())
        return QStringLiteral("full row (%1 positions)").arg(m_row.weights.size());
    return QStringLiteral("top-K only (%1)")
        .arg(m_row.topKOnlyReason.isEmpty() ? QStringLiteral("session stores no full rows") : m_row.topKOnlyReason);
}

double AttentionRowPlot::needleMass() const
{
    if (m_row.needleBegin < 0)
        return 0.0;
    double mass = 0.0;
    if (!m_row.weights.empty()) {
        for (int k = std::max(0, m_row.needleBegin); k < m_row.needleEnd && k < static_cast<int>(m_row.weights.size()); ++k)
            mass += m_row.weights[static_cast<std::size_t>(k)];
        return mass;
    }
    for (std::size_t i = 0; i < m_row.topIndices.size() && i < m_row.topWeights.size(); ++i)
        if (m_row.topIndices[i] >= m_row.needleBegin && m_row.topIndices[i] < m_row.needleEnd)
            mass += m_row.topWeights[i];
    return mass;
}

QStringList AttentionRowPlot::hottestContexts(int count, int radius) const
{
    QStringList lines;
    if (m_row.tokens.isEmpty())
        return lines;
    std::vector<int> hottest = m_row.topIndices;
    if (hottest.empty() && !m_row.weights.empty()) {
        hottest.resize(m_row.weights.size());
        for (std::size_t i = 0; i < hottest.size(); ++i)
            hottest[i] = static_cast<int>(i);
        std::stable_sort(hottest.begin(), hottest.end(), [this](int a, int b) {
            return m_row.weights[static_cast<std::size_t>(a)] > m_row.weights[static_cast<std::size_t>(b)];
        });
    }
    for (int i = 0; i < count && i < static_cast<int>(hottest.size()); ++i) {
        const int k = hottest[static_cast<std::size_t>(i)];
        QString text;
        for (int j = std::max(0, k - radius); j <= std::min(static_cast<int>(m_row.tokens.size()) - 1, k + radius); ++j)
        {
            const QString& tok = m_row.tokens[j];
            if (j != k)
                text += tok;
            else // keep the token's leading space outside the marker: "… [Paris] …"
                text += (tok.startsWith(QLatin1Char(' ')) ? QStringLiteral(" [") : QStringLiteral("[")) +
                        tok.trimmed() + QLatin1Char(']');
        }
        lines << QStringLiteral("%1: %2").arg(k).arg(text.simplified());
    }
    return lines;
}

void AttentionRowPlot::zoomTo(double from, double to)
{
    plot()->xAxis->setRange(from, to);
    plot()->replot();
}

double AttentionRowPlot::visibleFrom() const
{
    return plot()->xAxis->range().lower;
}

double AttentionRowPlot::visibleTo() const
{
    return plot()->xAxis->range().upper;
}

} // namespace headscope::views
