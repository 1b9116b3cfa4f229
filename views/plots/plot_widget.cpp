#include "plots/plot_widget.h"

#include <qcustomplot.h>

#include <QFileInfo>
#include <QPainter>
#include <QSvgGenerator>
#include <QVBoxLayout>

namespace headscope::views {

PlotWidget::PlotWidget(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumSize(240, 180);
}

PlotWidget::~PlotWidget() = default;

QWidget* PlotWidget::canvas() const
{
    return m_plot;
}

QStringList PlotWidget::legendEntries() const
{
    QStringList names;
    if (!m_plot->legend->visible())
        return names;
    for (int i = 0; i < m_plot->legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(m_plot->legend->item(i)))
            names << item->plottable()->name();
    return names;
}

QRect PlotWidget::legendRect() const
{
    return m_plot->legend->visible() ? m_plot->legend->outerRect() : QRect();
}

void PlotWidget::applyStyle()
{
    QFont font = m_plot->font();
    font.setPointSizeF(9.0);
    const auto styleAxis = [&font](QCPAxis* axis) {
        axis->setLabelFont(font);
        axis->setTickLabelFont(font);
        axis->setBasePen(QPen(QColor(0x60, 0x60, 0x60)));
        axis->setTickPen(QPen(QColor(0x60, 0x60, 0x60)));
        axis->grid()->setPen(QPen(QColor(0xe0, 0xe0, 0xe0), 0, Qt::DotLine));
    };
    styleAxis(m_plot->xAxis);
    styleAxis(m_plot->yAxis);
    m_plot->setBackground(QBrush(Qt::white));
}

void PlotWidget::setExportInfo(const QString& title, const Metadata& metadata)
{
    m_title = title;
    m_metadata = metadata;
}

bool PlotWidget::exportTo(const QString& path, QString* error)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QLatin1String("png") && suffix != QLatin1String("pdf") && suffix != QLatin1String("svg")) {
        if (error)
            *error = QStringLiteral("unknown plot format '%1' (expected .png, .svg or .pdf)").arg(suffix);
        return false;
    }
    const int w = m_plot->width() > 10 ? m_plot->width() : 800;
    int h = m_plot->height() > 10 ? m_plot->height() : 600;
    QString description;
    for (const auto& [key, value] : m_metadata)
        description += QStringLiteral("%1: %2\n").arg(key, value);
    description = description.trimmed();

    // The title goes in a row of its own above the plot for the export only.
    QCPTextElement* title = nullptr;
    if (!m_title.isEmpty()) {
        m_plot->plotLayout()->insertRow(0);
        title = new QCPTextElement(m_plot, m_title, QFont(m_plot->font().family(), 10, QFont::Bold));
        title->setMargins(QMargins(6, 6, 6, 2));
        m_plot->plotLayout()->addElement(0, 0, title);
        if (m_plot->plotLayout()->columnCount() > 1)
            m_plot->plotLayout()->setColumnSpacing(0);
        h += 24;
    }
    setExporting(true);
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        // savePng cannot add text chunks: render, then write with QImageWriter's keys.
        QPixmap pixmap = m_plot->toPixmap(w, h, 2.0);
        QImage image = pixmap.toImage();
        image.setText(QStringLiteral("Title"), m_title);
        image.setText(QStringLiteral("Software"), QStringLiteral("HeadScope"));
        for (const auto& [key, value] : m_metadata)
            image.setText(key, value);
        ok = image.save(path, "PNG");
    } else if (suffix == QLatin1String("pdf")) {
        ok = m_plot->savePdf(path, w, h, QCP::epAllowCosmetic, QStringLiteral("HeadScope"),
                             m_title.isEmpty() ? QStringLiteral("HeadScope plot") : m_title + QStringLiteral(" — ") + description);
    } else {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(w, h));
        generator.setViewBox(QRect(0, 0, w, h));
        generator.setTitle(m_title.isEmpty() ? QStringLiteral("HeadScope plot") : m_title);
        generator.setDescription(description);
        QCPPainter painter;
        ok = painter.begin(&generator);
        if (ok) {
            m_plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
        ok = ok && QFileInfo::exists(path);
    }
    setExporting(false);
    if (title) {
        m_plot->plotLayout()->remove(title);
        m_plot->plotLayout()->simplify();
    }
    m_plot->replot();
    if (!ok && error)
        *error = QStringLiteral("could not write %1").arg(path);
    return ok;
}

QImage PlotWidget::renderImage(const QSize& size) const
{
    m_plot->resize(size);
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
    return m_plot->toPixmap(size.width(), size.height()).toImage();
}

} // namespace headscope::views
