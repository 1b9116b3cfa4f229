#pragma once
// ScoresPanel: the head heatmap (layers × heads) with its metric picker and the ranked
// top-heads table, linked both ways: clicking a cell selects the table row, selecting a row
// frames the cell. Talks upward only through signals: headSelected(), metricChanged() and
// scoresShown() (the map on screen, which budgets follow). GUI thread only.
#include "models/score_set.h"

#include <QWidget>

#include <cstdint>
#include <vector>

class QComboBox;
class QSpinBox;
class QTableView;
class QLabel;

namespace headscope::views {

class HeatmapPlot;
class HeadScoreModel;
class TopHeadsProxy;

class ScoresPanel : public QWidget {
    Q_OBJECT
public:
    explicit ScoresPanel(QWidget* parent = nullptr);
    ~ScoresPanel() override;

    void setScoreSet(const ScoreSet& set);
    const ScoreSet& scoreSet() const { return m_set; }
    // Per layer, the sliding window of local layers (0: full attention); the heatmap labels
    // local layers "N (local W)" when the map has as many layers. Empty: plain numbers.
    void setLayerWindows(std::vector<int64_t> windows);
    // Selects a metric by id if the set has it; returns false otherwise.
    bool setMetric(HeadMetric metric);
    HeadMetric metric() const;
    const MetricMap* currentMap() const;

    HeatmapPlot* heatmap() const { return m_heatmap; }
    QTableView* table() const { return m_table; }
    HeadScoreModel* model() const { return m_model; }
    TopHeadsProxy* proxy() const { return m_proxy; }

public Q_SLOTS:
    void selectHead(int layer, int head);

Q_SIGNALS:
    void headSelected(int layer, int head);
    void metricChanged(headscope::HeadMetric metric);
    // The map now on screen (empty when the source lacks the chosen metric): what budgets use.
    void scoresShown(const headscope::ScoreMatrix& scores);

private:
    void showCurrentMetric();
    void onTableCurrentChanged();

    ScoreSet m_set;
    std::vector<int64_t> m_layerWindows;
    QComboBox* m_metricBox = nullptr;
    QSpinBox* m_topN = nullptr;
    QLabel* m_info = nullptr;
    HeatmapPlot* m_heatmap = nullptr;
    QTableView* m_table = nullptr;
    HeadScoreModel* m_model = nullptr;
    TopHeadsProxy* m_proxy = nullptr;
    bool m_syncing = false;
};

} // namespace headscope::views
