#pragma once
// BarPlot: per-layer (or per-category) bars, optionally several stacked series with a legend.
// Used for per-layer budgets and the per-layer four-category summary. GUI thread only.
#include "plots/plot_widget.h"

#include <QColor>
#include <QStringList>

#include <vector>

namespace headscope::views {

class BarPlot : public PlotWidget {
    Q_OBJECT
public:
    struct Series {
        QString name;
        QColor color;
        std::vector<double> values; // [bars]
    };

    explicit BarPlot(QWidget* parent = nullptr);
    ~BarPlot() override;

    // Series are stacked in order; one series draws no legend.
    void setSeries(const std::vector<Series>& series);
    void setAxisTitles(const QString& xTitle, const QString& yTitle);
    // Text under each bar instead of its index (e.g. context lengths); empty: indices.
    void setCategoryLabels(const QStringList& labels);
    // Draws a dashed horizontal reference line (e.g. the uniform budget), named in the legend
    // (never as text over the bars); NaN hides it.
    void setReferenceLine(double y, const QString& label);
    // Fixes the value axis (plots that are compared side by side share one range); NaN: auto.
    void setValueRange(double lower, double upper);
    double valueLower() const;
    double valueUpper() const;
    bool legendVisible() const;
    int barCount() const { return m_bars; }
    double stackedTotal(int bar) const;

private:
    int m_bars = 0;
    std::vector<Series> m_series;
    double m_reference;
    QString m_referenceLabel;
    QStringList m_labels;
    double m_lower;
    double m_upper;
};

} // namespace headscope::views
