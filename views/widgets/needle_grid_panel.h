#pragma once
// NeedleGridPanel: the depth × context-length grid of a session, colored by the gate score
// (mean over the needles in each cell). Clicking a cell opens that test: its per-head heatmap,
// question, expected and generated answer, and the attention row of the selected head with the
// needle shaded and the top-K marked. GUI thread only.
#include "models/session_source.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QSpinBox;
class QTextBrowser;

namespace headscope::views {

class AttentionRowPlot;
class HeatmapPlot;

class NeedleGridPanel : public QWidget {
    Q_OBJECT
public:
    explicit NeedleGridPanel(QWidget* parent = nullptr);

    void setSource(std::shared_ptr<const SessionSource> source);
    void setGate(int gate); // index into SessionSource::gates()
    // Opens the first test in grid cell (depth row, length column); returns its id or -1.
    int openCell(int row, int col);
    void openTest(int testId);
    void selectHead(int layer, int head);
    int currentTest() const { return m_test; }

    HeatmapPlot* grid() const { return m_grid; }
    HeatmapPlot* testHeatmap() const { return m_testMap; }
    AttentionRowPlot* rowPlot() const { return m_row; }
    QTextBrowser* details() const { return m_details; }

Q_SIGNALS:
    void testOpened(const headscope::views::TestInfo& test);

private:
    void rebuildGrid();
    void showRow();

    std::shared_ptr<const SessionSource> m_source;
    std::vector<int> m_lengths;
    std::vector<double> m_depths;
    int m_gate = 0;
    int m_test = -1;
    int m_layer = 0;
    int m_head = 0;
    HeatmapPlot* m_grid = nullptr;
    HeatmapPlot* m_testMap = nullptr;
    AttentionRowPlot* m_row = nullptr;
    QTextBrowser* m_details = nullptr;
    QComboBox* m_metric = nullptr;
    QSpinBox* m_step = nullptr;
};

} // namespace headscope::views
