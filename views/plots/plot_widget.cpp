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

bool PlotWidget::exportTo(const QString& path, QString* error) const
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    const int w = m_plot->width() > 10 ? m_plot->width() : 800;
    const int h = m_plot->height() > 10 ? m_plot->height() : 600;
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = m_plot->savePng(path, w, h, 2.0);
    } else if (suffix == QLatin1String("pdf")) {
        ok = m_plot->savePdf(path, w, h);
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(w, h));
        generator.setViewBox(QRect(0, 0, w, h));
        generator.setTitle(QStringLiteral("HeadScope plot"));
        QCPPainter painter;
        ok = painter.begin(&generator);
        if (ok) {
            m_plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
        ok = ok && QFileInfo::exists(path);
    } else {
        if (error)
            *error = QStringLiteral("unknown plot format '%1' (expected .png, .svg or .pdf)").arg(suffix);
        return false;
    }
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
