#pragma once
// File ▸ Export plot / Export table: asking where, completing the name ("heads" typed with the
// PNG filter chosen becomes "heads.png"), writing (the plot with its title and metadata, the
// table with its provenance preamble) and one line saying what was written. GUI thread only.
#include "controllers/app_settings.h"
#include "models/table_csv.h"

#include <QString>

class QAbstractItemModel;
class QWidget;

namespace headscope::views {
class PlotWidget;
}

namespace headscope::app {

// `path` with the suffix the chosen filter names ("PNG image (*.png)" → ".png") when it has none.
QString withFilterSuffix(const QString& path, const QString& selectedFilter);

struct ExportResult {
    bool written = false;
    QString message; // "Exported … to …" or the error (naming the file)
};

// The dialogs; an empty result (written false, message empty) when the user cancelled.
ExportResult exportPlotDialog(QWidget* parent, views::PlotWidget& plot, AppSettings& settings);
ExportResult exportTableDialog(QWidget* parent, const QAbstractItemModel& table, const views::CsvPreamble& preamble,
                               AppSettings& settings);

} // namespace headscope::app
