#pragma once
// AttentionRowPlot: one attention row (a query's weights over every context position) for a
// chosen test/step/head, with the needle span shaded and the top-K keys marked. Zoom and pan
// along positions with the mouse wheel and drag. When only top-K was stored, the row is drawn
// as spikes at those positions. A label above the plot says which of the two is shown, because
// spikes alone would read as "all other positions got zero attention". GUI thread only.
#include "plots/plot_widget.h"

#include <QStringList>

#include <vector>

class QCPTextElement;

namespace headscope::views {

struct AttentionRow {
    std::vector<float> weights;        // [keys]; empty when only top-K was stored
    std::vector<int> topIndices;       // top-K key positions, best first
    std::vector<float> topWeights;     // [K'] (sessions may keep more than K: the needle's length)
    int topK = 0;                      // K of the probe's InfScore top-K; 0: mark every stored entry
    int needleBegin = -1;              // needle span [begin, end) in key positions, -1: none
    int needleEnd = -1;
    int keys = 0;                      // row length
    QStringList tokens;                // [keys] token text, optional
    QString title;                     // e.g. "test 3 · step 0 · L17 H24"
    // Why only top-K is drawn when weights is empty, shown in the label; empty means the
    // session stores no full rows at all.
    QString topKOnlyReason;
};

class AttentionRowPlot : public PlotWidget {
    Q_OBJECT
public:
    explicit AttentionRowPlot(QWidget* parent = nullptr);
    ~AttentionRowPlot() override;

    void setRow(const AttentionRow& row);
    const AttentionRow& row() const { return m_row; }
    // True when the whole row (every context position) is drawn, false for top-K only.
    bool showsFullRow() const { return !m_row.weights.empty(); }
    // "full row (N positions)" or "top-K only (<reason>)"; empty when no row is set.
    QString modeLabel() const;
    // Points of the row graph (full row) or bars (top-K only) currently plotted.
    int plottedPositions() const { return m_plotted; }
    // Attention mass on the needle span (from the full row, else from the top-K entries).
    double needleMass() const;
    // "pos: …tokens…" lines around the `count` hottest positions (±radius tokens).
    QStringList hottestContexts(int count, int radius) const;
    // Zooms the position axis to [from, to].
    void zoomTo(double from, double to);
    double visibleFrom() const;
    double visibleTo() const;

private:
    AttentionRow m_row;
    int m_plotted = 0;
    QCPTextElement* m_label = nullptr; // title + mode, in its own layout row above the axes
};

} // namespace headscope::views
