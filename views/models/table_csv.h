#pragma once
// CSV export of any item model (header row, then each cell's kCsvRole value when the model gives
// one — plain numbers — else its DisplayRole text; RFC 4180 quoting), for "Export table CSV"
// and "Copy". An optional preamble of "# key: value" lines says what the table shows and where
// its numbers came from (pandas reads past them with comment="#"). Reads the model on the
// calling (GUI) thread.
#include <QList>
#include <QPair>
#include <QString>

#include <Qt>

class QAbstractItemModel;

namespace headscope::views {

// The role a model answers with a cell's machine-readable value (e.g. 0.0222, not "± 0.0222").
inline constexpr int kCsvRole = Qt::UserRole + 64;
using CsvPreamble = QList<QPair<QString, QString>>;

QString tableToCsv(const QAbstractItemModel& model, const CsvPreamble& preamble = {});
// Returns false and fills *error (naming the file) when it cannot be written.
bool writeTableCsv(const QAbstractItemModel& model, const QString& path, QString* error = nullptr,
                   const CsvPreamble& preamble = {});

} // namespace headscope::views
