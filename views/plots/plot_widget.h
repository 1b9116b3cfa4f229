#pragma once
// PlotWidget: the base of every HeadScope plot. Owns one QCustomPlot behind a pointer so that
// qcustomplot.h (a 300 KB header, seconds of compile time per file) stays in .cpp files, and
// gives every plot the same export path (PNG, SVG, PDF) and look. Exports carry a title drawn
// above the plot and metadata (PNG text chunks, the SVG description, the PDF title) naming what
// the plot shows and where its numbers came from; selection marks are left out. GUI thread only.
#include <QList>
#include <QPair>
#include <QRect>
#include <QString>
#include <QStringList>
#include <QWidget>

class QCustomPlot;

namespace headscope::views {

class PlotWidget : public QWidget {
    Q_OBJECT
public:
    using Metadata = QList<QPair<QString, QString>>; // key → value, in order

    explicit PlotWidget(QWidget* parent = nullptr);
    ~PlotWidget() override;

    // What an export says about the plot: a title line (e.g. "InfScore — run.h5") and metadata
    // (e.g. {"Source", "session run.h5 sha256 …"}, {"Gate", "rouge1_recall > 50"}).
    void setExportInfo(const QString& title, const Metadata& metadata);
    QString exportTitle() const { return m_title; }
    const Metadata& exportMetadata() const { return m_metadata; }

    // Writes the plot at its current size; the format follows the suffix (.png, .svg, .pdf).
    // Returns false and fills *error when the suffix is unknown or the file cannot be written.
    bool exportTo(const QString& path, QString* error = nullptr);

    // Renders the plot at `size` into an image (tests and screenshots).
    QImage renderImage(const QSize& size) const;

    QCustomPlot* plot() const { return m_plot; }
    // The names the legend shows, top to bottom; empty while it is hidden.
    QStringList legendEntries() const;
    // Where the legend was last drawn, in canvas pixels; empty while it is hidden.
    QRect legendRect() const;
    // The drawing surface as a plain QWidget (for event simulation without qcustomplot.h).
    QWidget* canvas() const;

protected:
    // Applies the shared fonts, margins and axis style; subclasses call it once.
    void applyStyle();
    // Around an export: hide what belongs to the screen only (selection frames).
    virtual void setExporting(bool) {}

private:
    QCustomPlot* m_plot = nullptr;
    QString m_title;
    Metadata m_metadata;
};

} // namespace headscope::views
