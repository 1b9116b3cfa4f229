#pragma once
// StatisticsPanel: how stable the top-k head set is across context lengths and needle depths
// (Jaccard of each subset's top-k against the all-tests top-k) and how two metrics agree
// (Spearman rank correlation over all heads). Uses the gate/threshold of the filter panel.
// GUI thread only.
#include "models/session_source.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QSpinBox;

namespace headscope::views {

class BarPlot;

class StatisticsPanel : public QWidget {
    Q_OBJECT
public:
    explicit StatisticsPanel(QWidget* parent = nullptr);

    void setSource(std::shared_ptr<const SessionSource> source);
    // Gate and threshold to apply; its lengths/depths are replaced per subset.
    void setBaseQuery(const AggregateQuery& query);

    std::vector<double> lengthJaccard() const { return m_lengthJaccard; }
    std::vector<double> depthJaccard() const { return m_depthJaccard; }
    double spearmanRho() const { return m_rho; }
    QSpinBox* topK() const { return m_k; }
    QComboBox* metricA() const { return m_a; }
    QComboBox* metricB() const { return m_b; }
    BarPlot* lengthPlot() const { return m_lengthPlot; }
    BarPlot* depthPlot() const { return m_depthPlot; }

public Q_SLOTS:
    void recompute();

private:
    std::shared_ptr<const SessionSource> m_source;
    AggregateQuery m_base;
    std::vector<double> m_lengthJaccard;
    std::vector<double> m_depthJaccard;
    double m_rho = 0.0;
    QComboBox* m_a = nullptr;
    QComboBox* m_b = nullptr;
    QSpinBox* m_k = nullptr;
    QLabel* m_rhoLabel = nullptr;
    BarPlot* m_lengthPlot = nullptr;
    BarPlot* m_depthPlot = nullptr;
};

} // namespace headscope::views
