#pragma once
// CSV export of any item model (header row + DisplayRole text, RFC 4180 quoting), for
// "Export table CSV" and "Copy". Reads the model on the calling (GUI) thread.
#include <QString>

class QAbstractItemModel;

namespace headscope::views {

QString tableToCsv(const QAbstractItemModel& model);
// Returns false and fills *error (naming the file) when it cannot be written.
bool writeTableCsv(const QAbstractItemModel& model, const QString& path, QString* error = nullptr);

} // namespace headscope::views
