#include "models/table_csv.h"

#include <QAbstractItemModel>
#include <QLocale>
#include <QSaveFile>

namespace headscope::views {

namespace {
QString quoted(const QString& cell)
{
    if (!cell.contains(QLatin1Char(',')) && !cell.contains(QLatin1Char('"')) && !cell.contains(QLatin1Char('\n')))
        return cell;
    QString escaped = cell;
    escaped.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}
} // namespace

QString tableToCsv(const QAbstractItemModel& model, const CsvPreamble& preamble)
{
    QString out;
    for (const auto& [key, value] : preamble)
        out += QStringLiteral("# %1: %2\n").arg(key, QString(value).replace(QLatin1Char('\n'), QLatin1Char(' ')));
    const int cols = model.columnCount();
    for (int c = 0; c < cols; ++c)
        out += (c ? QStringLiteral(",") : QString()) + quoted(model.headerData(c, Qt::Horizontal).toString());
    out += QLatin1Char('\n');
    for (int r = 0; r < model.rowCount(); ++r) {
        for (int c = 0; c < cols; ++c)
        {
            const QModelIndex index = model.index(r, c);
            const QVariant csv = index.data(kCsvRole);
            const QString cell = !csv.isValid() ? index.data().toString()
                                 : csv.typeId() == QMetaType::Double ? QString::number(csv.toDouble(), 'g', QLocale::FloatingPointShortest)
                                                                      : csv.toString();
            out += (c ? QStringLiteral(",") : QString()) + quoted(cell);
        }
        out += QLatin1Char('\n');
    }
    return out;
}

bool writeTableCsv(const QAbstractItemModel& model, const QString& path, QString* error, const CsvPreamble& preamble)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(tableToCsv(model, preamble).toUtf8());
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace headscope::views
