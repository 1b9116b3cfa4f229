#pragma once
// PlotWidget: the base of every HeadScope plot. Owns one QCustomPlot behind a pointer so that
// qcustomplot.h (a 300 KB header, seconds of compile time per file) stays in .cpp files, and
// gives every plot the same export path (PNG, SVG, PDF) and look. GUI thread only.
#include <QString>
#include <QWidget>

class QCustomPlot;

namespace headscope::views {

class PlotWidget : public QWidget {
    Q_OBJECT
public:
    explicit PlotWidget(QWidget* parent = nullptr);
    ~PlotWidget() override;

    // Writes the plot at its current size; the format follows the suffix (.png, .svg, .pdf).
    // Returns false and fills *error when the suffix is unknown or the file cannot be written.
    bool exportTo(const QString& path, QString* error = nullptr) const;

    // Renders the plot at `size` into an image (tests and screenshots).
    QImage renderImage(const QSize& size) const;

    QCustomPlot* plot() const { return m_plot; }
    // The drawing surface as a plain QWidget (for event simulation without qcustomplot.h).
    QWidget* canvas() const;

protected:
    // Applies the shared fonts, margins and axis style; subclasses call it once.
    void applyStyle();

private:
    QCustomPlot* m_plot = nullptr;
};

} // namespace headscope::views
