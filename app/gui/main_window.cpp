#include "main_window.h"

#include "controllers/compare_controller.h"
#include "controllers/engine_controller.h"
#include "controllers/session_controller.h"
#include "controllers/status_info.h"
#include "models/session_source.h"
#include "models/table_csv.h"
#include "plots/plot_widget.h"
#include "widgets/budget_panel.h"
#include "widgets/category_panel.h"
#include "widgets/compare_panel.h"
#include "widgets/eval_panel.h"
#include "widgets/model_card.h"
#include "widgets/needle_grid_panel.h"
#include "widgets/probe_panel.h"
#include "widgets/scores_panel.h"
#include "widgets/session_filter_panel.h"
#include "widgets/statistics_panel.h"

#include "headscope/core/install_paths.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

namespace headscope::app {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_engine(new EngineController(this)), m_sessions(new SessionController(this)),
      m_comparisons(new CompareController(m_engine, this)), m_tabs(new QTabWidget(this)), m_scores(new views::ScoresPanel(this)),
      m_budget(new views::BudgetPanel(this)), m_modelCard(new views::ModelCard(this)),
      m_filters(new views::SessionFilterPanel(this)), m_grid(new views::NeedleGridPanel(this)),
      m_categories(new views::CategoryPanel(this)), m_statistics(new views::StatisticsPanel(this)),
      m_probe(new views::ProbePanel(this)), m_compare(new views::ComparePanel(this)), m_eval(new views::EvalPanel(this))
{
    setWindowTitle(QStringLiteral("HeadScope"));
    setAcceptDrops(true);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_scores, QStringLiteral("Heads"));
    m_tabs->addTab(m_grid, QStringLiteral("Needle grid"));
    m_tabs->addTab(m_categories, QStringLiteral("Categories"));
    m_tabs->addTab(m_statistics, QStringLiteral("Statistics"));
    m_tabs->addTab(m_budget, QStringLiteral("Budget"));
    m_tabs->addTab(m_probe, QStringLiteral("Probe"));
    m_tabs->addTab(m_compare, QStringLiteral("Compare"));
    m_tabs->addTab(m_eval, QStringLiteral("Eval"));
    m_tabs->addTab(m_modelCard, QStringLiteral("Model"));
    setCentralWidget(m_tabs);
    m_filterDock = new QDockWidget(QStringLiteral("Session filters"), this);
    m_filterDock->setObjectName(QStringLiteral("sessionFilters"));
    m_filterDock->setWidget(m_filters);
    addDockWidget(Qt::LeftDockWidgetArea, m_filterDock);
    m_filterDock->hide();

    m_sourceLabel = new QLabel(this);
    m_sourceLabel->setObjectName(QStringLiteral("sourceLabel"));
    m_deviceLabel = new QLabel(this);
    m_memoryLabel = new QLabel(this);
    setSourceText(QStringLiteral("No file open"));
    // All labels are permanent (right-hand side); the left is left to showMessage(). A normal
    // widget there is hidden by a message only when the bar is already visible, so a message
    // shown before the first show (or in an offscreen grab) was drawn over it.
    statusBar()->addPermanentWidget(m_sourceLabel);
    statusBar()->addPermanentWidget(m_deviceLabel);
    statusBar()->addPermanentWidget(m_memoryLabel);
    m_statusTimer = new QTimer(this);
    m_statusTimer->setInterval(2000);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer->start();

    connectPanels();
    connectRuns();

    buildMenus();
    resize(1200, 780);
    restoreGeometry(m_settings.windowGeometry());
    restoreState(m_settings.windowState());
    m_tabs->setCurrentIndex(m_settings.currentTab());
    m_budget->applySettings(m_settings.budget());
    updateStatus();
}

MainWindow::~MainWindow() = default;

// Documents, scores and selections between the panels.
void MainWindow::connectPanels()
{
    connect(m_sessions, &SessionController::opened, this, &MainWindow::onDocumentOpened);
    connect(m_sessions, &SessionController::failed, this, &MainWindow::showError);
    connect(m_budget, &views::BudgetPanel::exportFailed, this, &MainWindow::showError);
    connect(m_filters, &views::SessionFilterPanel::scoreSetChanged, this, &MainWindow::showScoreSet);
    connect(m_filters, &views::SessionFilterPanel::gateChanged, m_grid, &views::NeedleGridPanel::setGate);
    connect(m_scores, &views::ScoresPanel::scoresShown, m_budget, &views::BudgetPanel::setScores);
    connect(m_scores, &views::ScoresPanel::headSelected, m_grid, &views::NeedleGridPanel::selectHead);
    connect(m_scores, &views::ScoresPanel::headSelected, this, [this](int layer, int head) {
        m_compare->setSelectedHeads({{layer, head}});
        statusBar()->showMessage(QStringLiteral("Selected layer %1, head %2").arg(layer).arg(head), 4000);
    });
    // The needle grid's open test is offered to Compare ("Use selected probe test").
    connect(m_grid, &views::NeedleGridPanel::testOpened, m_compare, &views::ComparePanel::setProbeTest);
}

// Model runs on the engine worker: probes and comparisons.
void MainWindow::connectRuns()
{
    connect(m_engine, &EngineController::checkpointLoaded, this, &MainWindow::onCheckpointLoaded);
    connect(m_engine, &EngineController::failed, this, &MainWindow::showError);
    connect(m_engine, &EngineController::failed, m_probe, [this] { m_probe->setRunning(false); });
    connect(m_probe, &views::ProbePanel::problem, this, &MainWindow::showError);
    connect(m_probe, &views::ProbePanel::cancelRequested, m_engine, &EngineController::requestStop);
    connect(m_probe, &views::ProbePanel::startRequested, this, [this](const ProbeRequest& request) {
        m_probe->setRunning(true);
        m_probe->setProgress(0, request.testCount(), 0.0);
        m_engine->runProbe(request);
    });
    connect(m_engine, &EngineController::probeProgress, this, [this](const std::shared_ptr<const ProbeSnapshot>& snap) {
        m_probe->setProgress(snap->done, snap->total, snap->elapsedSeconds);
        if (!snap->meanInf.empty())
            m_probe->showSnapshot(snap->meanInf);
    });
    connect(m_engine, &EngineController::probeFinished, this, [this](const ProbeOutcome& outcome) {
        m_probe->setRunning(false);
        statusBar()->showMessage(QStringLiteral("Probe %1: %2 tests written, %3 failed")
                                     .arg(outcome.cancelled ? QStringLiteral("cancelled") : QStringLiteral("finished"))
                                     .arg(outcome.written)
                                     .arg(outcome.failed),
                                 8000);
        if (QFileInfo::exists(outcome.sessionPath))
            openFile(outcome.sessionPath);
    });
    // Full vs compressed under the plan on the Budget tab; full vs masked heads.
    connect(m_compare, &views::ComparePanel::runRequested, this, [this](const QString& prompt, int probeTest) {
        m_comparisons->compareCompressed(prompt, probeTest, m_budget->plan());
    });
    connect(m_compare, &views::ComparePanel::maskAndRerunRequested, m_comparisons, &CompareController::compareMasked);
    // An eval example under one configuration, against the full cache; headkv/dililazykv take the
    // head scores on screen.
    connect(m_eval, &views::EvalPanel::compareRequested, this, [this](int example, const QString& method, qint64 budget) {
        const OpenedDocument* doc = m_sessions->current();
        if (!doc || !doc->eval)
            return;
        const ScoreMatrix& scores = m_budget->scores();
        m_comparisons->compareEvalExample(*doc->eval, example, EvalConfigKey{method.toStdString(), budget},
                                          scores.values.empty() ? nullptr : &scores);
    });
    connect(m_comparisons, &CompareController::failed, this, &MainWindow::showError);
    connect(m_comparisons, &CompareController::started, this, [this](const QString& status) {
        statusBar()->showMessage(status);
    });
    connect(m_engine, &EngineController::compared, this, [this](const std::shared_ptr<const Comparison>& c) {
        m_compare->setComparison(*c);
        m_tabs->setCurrentWidget(m_compare);
        statusBar()->showMessage(QStringLiteral("Comparison finished"), 5000);
    });
}

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
    QAction* model = file->addAction(QStringLiteral("&Load model checkpoint…"), this, &MainWindow::loadCheckpointDialog);
    model->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    file->addAction(QStringLiteral("Load model &weights into the engine"), this, [this] {
        const CheckpointInfo* ckpt = m_engine->checkpoint();
        if (!ckpt) {
            showError(QStringLiteral("Loading model weights"),
                      QStringLiteral("Load a model checkpoint first (File ▸ Load model checkpoint…)."));
            return;
        }
        statusBar()->showMessage(QStringLiteral("Loading weights from %1…").arg(ckpt->directory));
        m_engine->loadCheckpoint(ckpt->directory, true);
    });
    file->addSeparator();
    QAction* exportPlot = file->addAction(QStringLiteral("&Export plot (PNG/SVG/PDF)…"), this, &MainWindow::exportPlotDialog);
    exportPlot->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QAction* exportTable = file->addAction(QStringLiteral("Export &table as CSV…"), this, &MainWindow::exportTableDialog);
    exportTable->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    QAction* copy = file->addAction(QStringLiteral("&Copy plot or table"), this, &MainWindow::copyToClipboard);
    copy->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    file->addSeparator();
    QAction* quit = file->addAction(QStringLiteral("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* help = menuBar()->addMenu(QStringLiteral("&Help"));
    help->addAction(QStringLiteral("Open &sample session"), this, &MainWindow::openSample);
    help->addAction(QStringLiteral("&About HeadScope"), this, &MainWindow::about);
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

void MainWindow::showError(const QString& what, const QString& message)
{
    Q_EMIT errorShown(what, message);
    statusBar()->showMessage(QStringLiteral("Error: %1").arg(message), 8000);
    // Tests and screenshot runs set this to keep modal dialogs from blocking.
    if (qEnvironmentVariableIsSet("HEADSCOPE_NO_DIALOGS"))
        return;
    QMessageBox box(QMessageBox::Warning, QStringLiteral("HeadScope"), what, QMessageBox::Ok, this);
    box.setInformativeText(message);
    box.exec();
}

void MainWindow::setSourceText(const QString& text)
{
    // Elided in the middle so a deep path keeps its file name and leaves room for messages.
    m_sourceLabel->setText(m_sourceLabel->fontMetrics().elidedText(text, Qt::ElideMiddle, 420));
    m_sourceLabel->setToolTip(text);
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

void MainWindow::onDocumentOpened(const std::shared_ptr<const OpenedDocument>& doc)
{
    m_settings.addRecentFile(doc->path);
    rebuildRecentMenu();
    if (doc->kind == OpenedDocument::Kind::Eval) {
        showEvalResults(*doc);
        return;
    }
    const auto& session = doc->session;
    m_compare->clearProbeTest(); // its test ids belonged to the previous document
    m_comparisons->setSession(session);
    m_grid->setSource(session);
    m_statistics->setSource(session);
    m_filterDock->setVisible(session != nullptr);
    if (!m_engine->checkpoint()) { // a loaded model's shape wins over the document's
        if (session && session->kvHeads() > 0 && session->headDim() > 0)
            m_budget->setModelDims(
                {session->layers(), session->heads(), session->kvHeads(), session->headDim(), session->layerWindows()});
        else if (!session)
            m_budget->clearModelDims();
    }
    if (session) {
        m_scores->setLayerWindows(session->layerWindows()); // the heatmap marks local layers
        m_filters->setSource(session);                      // emits scoreSetChanged → showScoreSet
    } else {
        showScoreSet(doc->scores);
    }
    if (doc->addedMetric) {
        m_scores->setMetric(*doc->addedMetric);
        setSourceText(doc->scores.source);
        return;
    }
    setSourceText(doc->path);
    setWindowTitle(QStringLiteral("%1 — HeadScope").arg(QFileInfo(doc->path).fileName()));
    m_tabs->setCurrentWidget(m_scores);
    statusBar()->showMessage(QStringLiteral("Opened %1").arg(doc->path), 4000);
}

// Eval results join what is open rather than replace it: the scores on screen stay, so Compare
// can rebuild a headkv/dililazykv plan from them.
void MainWindow::showEvalResults(const OpenedDocument& doc)
{
    const EvalReader& eval = *doc.eval;
    m_eval->setResults(QStringLiteral("%1: %2 of %3 examples, %4 configurations")
                           .arg(doc.path)
                           .arg(eval.records().size())
                           .arg(eval.manifest().examplesTotal)
                           .arg(eval.manifest().configs.size()),
                       eval.records(), doc.evalSummary);
    m_tabs->setCurrentWidget(m_eval);
    statusBar()->showMessage(QStringLiteral("Opened eval results %1").arg(doc.path), 4000);
}

void MainWindow::showScoreSet(const views::ScoreSet& set)
{
    m_scores->setScoreSet(set); // emits scoresShown → the budget panel
    m_categories->setScoreSet(set);
    if (m_filters->source())
        m_statistics->setBaseQuery(m_filters->query());
}

void MainWindow::loadCheckpoint(const QString& directory)
{
    statusBar()->showMessage(QStringLiteral("Reading checkpoint %1…").arg(directory));
    m_engine->loadCheckpoint(directory, false);
}

void MainWindow::onCheckpointLoaded(const std::shared_ptr<const CheckpointInfo>& info)
{
    const auto arch = architectureLabel(info->config.architecture);
    m_modelCard->setModel(info->config, QString::fromLatin1(arch.data(), static_cast<qsizetype>(arch.size())),
                          info->directory, info->storedDtype, info->config.parameterCount(), info->weightBytes);
    const ModelConfig& c = info->config;
    m_budget->setModelDims(modelDims(c));
    if (!m_filters->source()) // an open session's own model decides its heatmap's labels
        m_scores->setLayerWindows(modelDims(c).slidingWindows);
    m_tabs->setCurrentWidget(m_modelCard);
    updateStatus();
}

void MainWindow::updateStatus()
{
    m_deviceLabel->setText(deviceStatus(m_engine->checkpoint()));
    const double mib = residentMiB();
    m_memoryLabel->setText(mib < 0 ? QString() : QStringLiteral("memory: %1 MiB").arg(mib, 0, 'f', 0));
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

void MainWindow::loadCheckpointDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Load model checkpoint (directory with config.json)"),
                                                          m_settings.lastDirectory(QStringLiteral("model")));
    if (dir.isEmpty())
        return;
    m_settings.setLastDirectory(QStringLiteral("model"), dir);
    loadCheckpoint(dir);
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

void MainWindow::exportPlotDialog()
{
    views::PlotWidget* plot = currentPlot();
    if (!plot) {
        showError(QStringLiteral("Export plot"), QStringLiteral("This tab has no plot to export."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export plot"),
                                                      m_settings.lastDirectory(QStringLiteral("export")),
                                                      QStringLiteral("PNG image (*.png);;SVG drawing (*.svg);;PDF (*.pdf)"));
    if (path.isEmpty())
        return;
    m_settings.setLastDirectory(QStringLiteral("export"), QFileInfo(path).absolutePath());
    QString error;
    if (!plot->exportTo(path, &error))
        showError(QStringLiteral("Exporting the plot to %1").arg(path), error);
}

void MainWindow::exportTableDialog()
{
    QWidget* tab = m_tabs->currentWidget();
    auto* table = tab ? tab->findChild<QTableView*>() : nullptr;
    if (!table || !table->model()) {
        showError(QStringLiteral("Export table"), QStringLiteral("This tab has no table to export."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export table as CSV"),
                                                      m_settings.lastDirectory(QStringLiteral("export")),
                                                      QStringLiteral("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!views::writeTableCsv(*table->model(), path, &error))
        showError(QStringLiteral("Exporting the table to %1").arg(path), error);
}

void MainWindow::copyToClipboard()
{
    QWidget* focus = QApplication::focusWidget();
    if (auto* table = qobject_cast<QTableView*>(focus); table && table->model()) {
        QApplication::clipboard()->setText(views::tableToCsv(*table->model()));
        return;
    }
    if (views::PlotWidget* plot = currentPlot())
        QApplication::clipboard()->setImage(plot->grab().toImage());
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
    m_settings.setWindow(saveGeometry(), saveState());
    m_settings.setCurrentTab(m_tabs->currentIndex());
    m_settings.setBudget(m_budget->settings());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && SessionController::canOpen(urls.first().toLocalFile()))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        if (SessionController::canOpen(url.toLocalFile())) {
            openFile(url.toLocalFile());
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
