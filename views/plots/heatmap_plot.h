#pragma once
// HeatmapPlot: a rows × columns color map with a color scale, hover tooltips and cell selection.
// Used for layers × heads score and budget maps and for the depth × context-length needle grid.
// Takes plain row-major values; rows are drawn top-down (row 0 at the top, as layer 0 is the
// first layer). Cells are drawn as vector rectangles, so SVG/PDF exports stay sharp at any
// zoom and a map one cell wide or tall still shows. Selection: a click selects one cell; with
// setMultiSelect(true) Ctrl-click toggles a cell, Shift-click extends a rectangle from the last
// clicked cell and a drag selects the rectangle it covers. Exports leave the selection out.
// GUI thread only.
#include "plots/plot_widget.h"

#include <QList>
#include <QPair>
#include <QPoint>
#include <QStringList>

#include <span>
#include <vector>

class QCPColorScale;
class QCPItemText;

namespace headscope::views {

class HeatmapPlot : public PlotWidget {
    Q_OBJECT
public:
    enum class Palette { Viridis, Heat, Diverging };
    using Cells = QList<QPair<int, int>>; // (row, col), in the order they were selected

    explicit HeatmapPlot(QWidget* parent = nullptr);
    ~HeatmapPlot() override;

    // values: [rows, cols] row-major. NaN cells are drawn blank (e.g. tests not run yet).
    void setData(int rows, int cols, std::span<const double> values);
    // Optional per-cell 95% CI half-width and test count shown in the tooltip. Empty: none.
    void setConfidence(std::span<const double> ciHalfWidth, int tests);
    void setAxisTitles(const QString& rowTitle, const QString& colTitle);
    void setCategoryLabels(const QStringList& rowLabels, const QStringList& colLabels);
    void setValueLabel(const QString& label);
    QString valueLabel() const { return m_valueLabel; }
    void setPalette(Palette palette);
    // Text shown in place of the map while it has no cells (e.g. "Open a session").
    void setEmptyText(const QString& text);
    // Fixes the color range (small multiples share one scale); an empty range means auto.
    void setValueRange(double lower, double upper);
    void clearValueRange();
    void setMultiSelect(bool on) { m_multi = on; }

    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    double value(int row, int col) const;
    // 1 = highest value; ties share the better rank.
    int rank(int row, int col) const;
    QString tooltipText(int row, int col) const;
    // The last selected cell or (-1, -1).
    int selectedRow() const { return m_selection.isEmpty() ? -1 : m_selection.back().first; }
    int selectedCol() const { return m_selection.isEmpty() ? -1 : m_selection.back().second; }
    const Cells& selectedCells() const { return m_selection; }
    // Maps a widget position to a cell; false when outside the map.
    bool cellAt(const QPoint& pos, int* row, int* col) const;
    QPoint cellCenter(int row, int col) const;
    // The color a cell is drawn with (tests; invalid for NaN or outside the map).
    QColor cellColor(int row, int col) const;
    // The colour scale's tick labels as last drawn, lowest first; both ends of the range are
    // always among them.
    QStringList colorScaleLabels() const;

public Q_SLOTS:
    // Moves the selection to one cell without emitting signals (linked views call this).
    void selectCell(int row, int col);
    // Replaces the selection without emitting signals; cells outside the map are dropped.
    void setSelectedCells(const Cells& cells);
    void clearSelection();

Q_SIGNALS:
    // A plain click (no modifier) on a cell.
    void cellClicked(int row, int col);
    void cellHovered(int row, int col);
    // The selection changed by mouse (click, Ctrl/Shift-click, drag).
    void selectionChanged(const headscope::views::HeatmapPlot::Cells& cells);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void setExporting(bool exporting) override;

private:
    void rebuildRanks();
    void updateTicks();
    void applyRange();
    void setRect(int r0, int c0, int r1, int c1, const Cells& base);

    class CellMap;
    CellMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemText* m_empty = nullptr;
    int m_rows = 0;
    int m_cols = 0;
    std::vector<double> m_values;      // [rows, cols]
    std::vector<int> m_ranks;          // [rows, cols]
    std::vector<double> m_ci;          // [rows, cols] or empty
    int m_tests = 0;
    QString m_rowTitle = QStringLiteral("Layer");
    QString m_colTitle = QStringLiteral("Head");
    QString m_valueLabel = QStringLiteral("score");
    QStringList m_rowLabels;
    QStringList m_colLabels;
    bool m_fixedRange = false;
    double m_lower = 0.0;
    double m_upper = 1.0;
    Cells m_selection;
    bool m_multi = false;
    QPoint m_anchor{-1, -1};    // (row, col) a Shift-click or drag extends from
    bool m_dragging = false;
};

} // namespace headscope::views

Q_DECLARE_METATYPE(headscope::views::HeatmapPlot::Cells)
