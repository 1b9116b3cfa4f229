#pragma once
// AccuracyBudgetPlot: a score against the KV budget, one line per allocation method with each
// point's confidence interval as error bars, and the full cache as a dashed line inside its
// interval band. The budget axis is logarithmic (base 2), as budgets usually double. Methods at
// the same budget are drawn a hair apart so their intervals do not hide each other. GUI thread only.
#include "plots/plot_widget.h"

#include <QColor>
#include <QString>

#include <optional>
#include <vector>

namespace headscope::views {

class AccuracyBudgetPlot : public PlotWidget {
    Q_OBJECT
public:
    struct Point {
        double budget = 0.0;
        double mean = 0.0, low = 0.0, high = 0.0;
    };
    struct Curve {
        QString name;
        QColor color;
        std::vector<Point> points; // ascending budgets
    };
    struct Reference {
        QString name;
        double mean = 0.0, low = 0.0, high = 0.0;
    };

    explicit AccuracyBudgetPlot(QWidget* parent = nullptr);
    ~AccuracyBudgetPlot() override;

    void setData(const std::vector<Curve>& curves, const std::optional<Reference>& full);
    void setAxisTitles(const QString& xTitle, const QString& yTitle);

    int curveCount() const { return static_cast<int>(m_curves.size()); }
    const std::vector<Curve>& curves() const { return m_curves; }
    const std::optional<Reference>& reference() const { return m_full; }

private:
    std::vector<Curve> m_curves;
    std::optional<Reference> m_full;
};

} // namespace headscope::views
