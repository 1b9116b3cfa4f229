#pragma once
// HeatmapPlot: a rows × columns color map with a color scale, hover tooltips, click selection
// and a selection frame. Used for layers × heads score and budget maps and for the
// depth × context-length needle grid. Takes plain row-major values; rows are drawn top-down
// (row 0 at the top, as layer 0 is the first layer). GUI thread only.
#include "plots/plot_widget.h"

#include <QStringList>

#include <span>
#include <vector>

class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPItemText;

namespace headscope::views {

class HeatmapPlot : public PlotWidget {
    Q_OBJECT
public:
    enum class Palette { Viridis, Heat, Diverging };

    explicit HeatmapPlot(QWidget* parent = nullptr);
    ~HeatmapPlot() override;

    // values: [rows, cols] row-major. NaN cells are drawn blank (e.g. tests not run yet).
    void setData(int rows, int cols, std::span<const double> values);
    // Optional per-cell 95% CI half-width and test count shown in the tooltip. Empty: none.
    void setConfidence(std::span<const double> ciHalfWidth, int tests);
    void setAxisTitles(const QString& rowTitle, const QString& colTitle);
    void setCategoryLabels(const QStringList& rowLabels, const QStringList& colLabels);
    void setValueLabel(const QString& label);
    void setPalette(Palette palette);
    // Text shown in place of the map while it has no cells (e.g. "Open a session").
    void setEmptyText(const QString& text);
    // Fixes the color range (small multiples share one scale); an empty range means auto.
    void setValueRange(double lower, double upper);
    void clearValueRange();

    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    double value(int row, int col) const;
    // 1 = highest value; ties share the better rank.
    int rank(int row, int col) const;
    QString tooltipText(int row, int col) const;
    // The selected cell or (-1, -1).
    int selectedRow() const { return m_selRow; }
    int selectedCol() const { return m_selCol; }
    // Maps a widget position to a cell; false when outside the map.
    bool cellAt(const QPoint& pos, int* row, int* col) const;
    QPoint cellCenter(int row, int col) const;

public Q_SLOTS:
    // Moves the selection frame without emitting cellClicked (linked views call this).
    void selectCell(int row, int col);

Q_SIGNALS:
    void cellClicked(int row, int col);
    void cellHovered(int row, int col);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildRanks();
    void updateTicks();
    void updateSelectionFrame();

    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemRect* m_frame = nullptr;
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
    int m_selRow = -1;
    int m_selCol = -1;
};

} // namespace headscope::views
