// MainWindow, part 2: what the user does through menus, dialogs, the keyboard and drag and
// drop — open, add, load and unload a model, export, copy, quit — and screenshot mode.
#include "main_window.h"

#include "controllers/engine_controller.h"
#include "controllers/export_dialogs.h"
#include "controllers/probe_controller.h"
#include "controllers/session_controller.h"
#include "controllers/user_prompts.h"
#include "models/table_csv.h"
#include "plots/plot_widget.h"
#include "widgets/budget_panel.h"
#include "widgets/scores_panel.h"

#include "headscope/core/install_paths.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>

namespace headscope::app {

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(QStringLiteral("&File"));
    QAction* open = file->addAction(QStringLiteral("&Open session or score file…"), this, &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(QStringLiteral("Open &recent"));
    rebuildRecentMenu();
    QAction* add = file->addAction(QStringLiteral("&Add score file as another metric…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Add score file"),
                                                          m_settings.lastDirectory(QStringLiteral("open")),
                                                          QStringLiteral("Score files (*.json)"));
        if (!path.isEmpty())
            addScoreFile(path);
    });
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    file->addSeparator();
    QAction* model = file->addAction(QStringLiteral("Load &model…"), this, &MainWindow::loadModelDialog);
    model->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    model->setToolTip(QStringLiteral("Read a checkpoint directory and load its weights"));
    file->addAction(QStringLiteral("&Unload model"), this, &MainWindow::unloadModel);
    file->addSeparator();
    QAction* exportPlotAction = file->addAction(QStringLiteral("&Export plot (PNG/SVG/PDF)…"), this, &MainWindow::exportPlot);
    exportPlotAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QAction* exportTableAction = file->addAction(QStringLiteral("Export &table as CSV…"), this, &MainWindow::exportTable);
    exportTableAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    QAction* copy = file->addAction(QStringLiteral("&Copy plot or table"), this, &MainWindow::copyToClipboard);
    copy->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    file->addSeparator();
    QAction* quit = file->addAction(QStringLiteral("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    // Every tab by keyboard: Ctrl+1 … Ctrl+9 in tab order (tabs added later join through addView).
    m_viewMenu = menuBar()->addMenu(QStringLiteral("&View"));
    for (int i = 0; i < m_tabs->count(); ++i)
        addViewAction(i);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_filterDock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(QStringLiteral("&Help"));
    help->addAction(QStringLiteral("Open &sample session"), this, &MainWindow::openSample);
    help->addAction(QStringLiteral("&About HeadScope"), this, &MainWindow::about);
}

void MainWindow::addViewAction(int index)
{
    QAction* show = new QAction(m_tabs->tabText(index), m_viewMenu);
    if (index < 9)
        show->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
    connect(show, &QAction::triggered, this, [this, w = m_tabs->widget(index)] { m_tabs->setCurrentWidget(w); });
    // Before the separator that precedes the dock's toggle, once that exists.
    const QList<QAction*> actions = m_viewMenu->actions();
    QAction* before = nullptr;
    for (QAction* a : actions)
        if (a->isSeparator()) {
            before = a;
            break;
        }
    m_viewMenu->insertAction(before, show);
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = m_settings.recentFiles();
    for (int i = 0; i < files.size(); ++i) {
        const QString path = files[i];
        QAction* a = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg((i + 1) % 10).arg(QFileInfo(path).fileName()),
                                             this, [this, path] { openFile(path); });
        a->setToolTip(path);
    }
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(QStringLiteral("Clear list"), this, [this] {
        m_settings.clearRecentFiles();
        rebuildRecentMenu();
    });
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::openFile(const QString& path)
{
    statusBar()->showMessage(QStringLiteral("Opening %1…").arg(path));
    m_sessions->open(path);
}

void MainWindow::addScoreFile(const QString& path)
{
    statusBar()->showMessage(QStringLiteral("Adding %1…").arg(path));
    m_sessions->addScoreFile(path);
}

QString MainWindow::checkpointDirectoryOf(const QString& path)
{
    const QFileInfo info(path);
    if (info.isDir() && QFileInfo::exists(QDir(path).filePath(QStringLiteral("config.json"))))
        return info.absoluteFilePath();
    if (info.isFile() && info.fileName() == QLatin1String("config.json"))
        return info.absolutePath();
    return {};
}

void MainWindow::openDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Open session or score file"), m_settings.lastDirectory(QStringLiteral("open")),
        QStringLiteral("HeadScope files (*.h5 *.hdf5 *.json);;Probe sessions and eval results (*.h5 *.hdf5);;"
                       "Score files (*.json)"));
    if (path.isEmpty())
        return;
    m_settings.setLastDirectory(QStringLiteral("open"), QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::loadModelDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Load model (directory with config.json)"),
                                                          m_settings.lastDirectory(QStringLiteral("model")));
    if (dir.isEmpty())
        return;
    m_settings.setLastDirectory(QStringLiteral("model"), dir);
    loadModel(dir);
}

views::PlotWidget* MainWindow::currentPlot() const
{
    for (QWidget* w = QApplication::focusWidget(); w; w = w->parentWidget())
        if (auto* plot = qobject_cast<views::PlotWidget*>(w))
            return plot;
    QWidget* tab = m_tabs->currentWidget();
    if (!tab)
        return nullptr;
    for (auto* plot : tab->findChildren<views::PlotWidget*>())
        if (plot->isVisibleTo(tab))
            return plot;
    return nullptr;
}

void MainWindow::exportPlot()
{
    views::PlotWidget* plot = currentPlot();
    if (!plot) {
        showError(QStringLiteral("Export plot"), QStringLiteral("This tab has no plot to export."));
        return;
    }
    const ExportResult r = exportPlotDialog(this, *plot, m_settings);
    if (r.written)
        statusBar()->showMessage(r.message, 10000);
    else if (!r.message.isEmpty())
        showError(QStringLiteral("Exporting the plot"), r.message);
}

void MainWindow::exportTable()
{
    QWidget* tab = m_tabs->currentWidget();
    auto* table = tab ? tab->findChild<QTableView*>() : nullptr;
    if (!table || !table->model()) {
        showError(QStringLiteral("Export table"), QStringLiteral("This tab has no table to export."));
        return;
    }
    const views::CsvPreamble preamble = tab == m_scores ? m_scores->csvPreamble() : views::CsvPreamble{};
    const ExportResult r = exportTableDialog(this, *table->model(), preamble, m_settings);
    if (r.written)
        statusBar()->showMessage(r.message, 10000);
    else if (!r.message.isEmpty())
        showError(QStringLiteral("Exporting the table"), r.message);
}

void MainWindow::copyToClipboard()
{
    QWidget* focus = QApplication::focusWidget();
    if (auto* table = qobject_cast<QTableView*>(focus); table && table->model()) {
        QApplication::clipboard()->setText(views::tableToCsv(*table->model()));
        statusBar()->showMessage(QStringLiteral("Copied the table as CSV"), 4000);
        return;
    }
    if (views::PlotWidget* plot = currentPlot()) {
        QApplication::clipboard()->setImage(plot->grab().toImage());
        statusBar()->showMessage(QStringLiteral("Copied the plot as an image"), 4000);
    }
}

void MainWindow::openSample()
{
    const auto sample = sampleSessionPath();
    if (!sample) {
        showError(QStringLiteral("Open sample session"),
                  QStringLiteral("No sample session was found (looked for sample_sessions/demo_probe.h5 next to "
                                 "the installation; set HEADSCOPE_DATA_DIR to point elsewhere)."));
        return;
    }
    openFile(QString::fromStdString(sample->string()));
}

void MainWindow::about()
{
    QMessageBox::about(this, QStringLiteral("About HeadScope"),
                       QStringLiteral("<h3>HeadScope %1</h3><p>Find the attention heads that matter "
                                      "(needle-in-a-haystack probes, DiliLazyKV / HeadKV scores) and turn them "
                                      "into per-head KV-cache budgets.</p>")
                           .arg(QStringLiteral(HEADSCOPE_VERSION)));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_probes->isRunning()) {
        const QString question = QStringLiteral("A probe is running (%1 of %2 tests done, writing %3). Quitting stops "
                                                "it: the finished tests stay in the session, the one in progress is "
                                                "lost.")
                                     .arg(m_probes->done())
                                     .arg(m_probes->total())
                                     .arg(QFileInfo(m_probes->runningSession()).fileName());
        if (!m_prompts->confirm(this, QStringLiteral("Quit while a probe is running?"), question, QStringLiteral("Stop and quit"))) {
            event->ignore();
            return;
        }
        m_engine->requestStop();
    }
    m_settings.setWindow(saveGeometry(), saveState());
    m_settings.setCurrentTab(m_tabs->currentIndex());
    m_settings.setBudget(m_budget->settings());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty())
        return;
    const QString path = urls.first().toLocalFile();
    if (!checkpointDirectoryOf(path).isEmpty() || SessionController::canOpen(path))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        const QString path = url.toLocalFile();
        // A checkpoint (its directory or config.json) is a model, not a score file.
        if (const QString dir = checkpointDirectoryOf(path); !dir.isEmpty()) {
            loadModel(dir);
            event->acceptProposedAction();
            return;
        }
        if (SessionController::canOpen(path)) {
            openFile(path);
            event->acceptProposedAction();
            return;
        }
    }
}

QStringList MainWindow::saveScreenshots(const QString& dir)
{
    QDir().mkpath(dir);
    QStringList written;
    for (int i = 0; i < m_tabs->count(); ++i) {
        m_tabs->setCurrentIndex(i);
        QApplication::processEvents();
        const QString name = m_tabs->tabText(i).toLower().remove(QLatin1Char('&')).replace(QLatin1Char(' '), QLatin1Char('_'));
        const QString path = QDir(dir).filePath(name + QStringLiteral(".png"));
        if (grab().save(path))
            written << path;
    }
    return written;
}

} // namespace headscope::app
