#include "controllers/export_dialogs.h"

#include "plots/plot_widget.h"

#include <QAbstractItemModel>
#include <QFileDialog>
#include <QFileInfo>
#include <QRegularExpression>

namespace headscope::app {

QString withFilterSuffix(const QString& path, const QString& selectedFilter)
{
    if (path.isEmpty() || !QFileInfo(path).suffix().isEmpty())
        return path;
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("\\*\\.(\\w+)")).match(selectedFilter);
    return m.hasMatch() ? path + QLatin1Char('.') + m.captured(1) : path;
}

ExportResult exportPlotDialog(QWidget* parent, views::PlotWidget& plot, AppSettings& settings)
{
    QString filter = QStringLiteral("PNG image (*.png)");
    QString path = QFileDialog::getSaveFileName(parent, QStringLiteral("Export plot"),
                                                settings.lastDirectory(QStringLiteral("export")),
                                                QStringLiteral("PNG image (*.png);;SVG drawing (*.svg);;PDF (*.pdf)"), &filter);
    if (path.isEmpty())
        return {};
    path = withFilterSuffix(path, filter);
    settings.setLastDirectory(QStringLiteral("export"), QFileInfo(path).absolutePath());
    QString error;
    if (!plot.exportTo(path, &error))
        return {false, error};
    return {true, QStringLiteral("Exported the plot to %1%2")
                      .arg(path, plot.exportTitle().isEmpty() ? QString() : QStringLiteral(" (%1)").arg(plot.exportTitle()))};
}

ExportResult exportTableDialog(QWidget* parent, const QAbstractItemModel& table, const views::CsvPreamble& preamble,
                               AppSettings& settings)
{
    QString filter = QStringLiteral("CSV (*.csv)");
    QString path = QFileDialog::getSaveFileName(parent, QStringLiteral("Export table as CSV"),
                                                settings.lastDirectory(QStringLiteral("export")), filter, &filter);
    if (path.isEmpty())
        return {};
    path = withFilterSuffix(path, filter);
    settings.setLastDirectory(QStringLiteral("export"), QFileInfo(path).absolutePath());
    QString error;
    if (!views::writeTableCsv(table, path, &error, preamble))
        return {false, error};
    return {true, QStringLiteral("Exported %1 rows to %2").arg(table.rowCount()).arg(path)};
}

} // namespace headscope::app
