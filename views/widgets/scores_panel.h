#pragma once
// ScoresPanel: the head heatmap (layers × heads) with its metric picker and the ranked
// top-heads table, linked both ways. Heads are selected in either: a click selects one,
// Ctrl/Shift-click and a drag (heatmap) or Ctrl/Shift-click (table) select several, and
// "Select top k" takes the k best heads of the metric shown. A new document (ScoreSet::document)
// starts afresh: its own default metric, no selection, the table at its top. Talks upward only
// through signals: headSelected() (the current head), headsSelected() (the whole selection),
// metricChanged(), scoresShown() and ablateRequested(). GUI thread only.
#include "models/score_set.h"
#include "models/table_csv.h"

#include <QList>
#include <QPair>
#include <QWidget>

#include <cstdint>
#include <vector>

class QComboBox;
class QSpinBox;
class QTableView;
class QLabel;
class QPushButton;

namespace headscope::views {

class HeatmapPlot;
class HeadScoreModel;
class TopHeadsProxy;

class ScoresPanel : public QWidget {
    Q_OBJECT
public:
    using Heads = QList<QPair<int, int>>; // (layer, head)
    static constexpr int kDefaultTopRows = 50;

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
    // The selected heads, in the order they were selected (the current head last).
    Heads selectedHeads() const { return m_heads; }
    // Selects the k highest heads of the metric shown (ties in layer-major order).
    void selectTopHeads(int k);
    // Whether "Re-run probe without these heads" can run (a probe session and a model).
    void setAblationAvailable(bool available, const QString& reason = {});
    // What the table export records about the map (metric, source, digest, gate, subset).
    CsvPreamble csvPreamble() const;

    HeatmapPlot* heatmap() const { return m_heatmap; }
    QTableView* table() const { return m_table; }
    HeadScoreModel* model() const { return m_model; }
    TopHeadsProxy* proxy() const { return m_proxy; }
    QSpinBox* topRowsBox() const { return m_topN; }
    QSpinBox* topKBox() const { return m_topK; }
    QPushButton* ablateButton() const { return m_ablate; }
    QLabel* infoLabel() const { return m_info; }

public Q_SLOTS:
    void selectHead(int layer, int head);
    void selectHeads(const headscope::views::ScoresPanel::Heads& heads);

Q_SIGNALS:
    void headSelected(int layer, int head);
    void headsSelected(const headscope::views::ScoresPanel::Heads& heads);
    void metricChanged(headscope::HeadMetric metric);
    // The map now on screen (empty when the source lacks the chosen metric).
    void scoresShown(const headscope::ScoreMatrix& scores);
    // Re-run the open session's probe with these heads masked.
    void ablateRequested(const headscope::views::ScoresPanel::Heads& heads);

private:
    void showCurrentMetric();
    void onTableSelectionChanged();
    void applySelection(const Heads& heads, bool emitSignals);
    void updateInfo();
    void fitTableWidth();

    ScoreSet m_set;
    Heads m_heads;
    std::vector<int64_t> m_layerWindows;
    QComboBox* m_metricBox = nullptr;
    QSpinBox* m_topN = nullptr;
    QSpinBox* m_topK = nullptr;
    QPushButton* m_selectTop = nullptr;
    QPushButton* m_ablate = nullptr;
    QLabel* m_info = nullptr;
    HeatmapPlot* m_heatmap = nullptr;
    QTableView* m_table = nullptr;
    HeadScoreModel* m_model = nullptr;
    TopHeadsProxy* m_proxy = nullptr;
    bool m_syncing = false;
    bool m_ablationAvailable = false;
};

} // namespace headscope::views
