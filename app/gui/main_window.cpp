// MainWindow, part 1: building the window and wiring controllers to panels; documents and
// models as they arrive. The menu actions, dialogs and drag and drop are in
// main_window_actions.cpp.
#include "main_window.h"

#include "controllers/compare_controller.h"
#include "controllers/engine_controller.h"
#include "controllers/probe_controller.h"
#include "controllers/session_controller.h"
#include "controllers/status_info.h"
#include "controllers/user_prompts.h"
#include "models/session_source.h"
#include "widgets/ablation_view.h"
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

#include "headscope/core/errors.h"
#include "headscope/core/head_list.h"

#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

#include <utility>

namespace headscope::app {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_engine(new EngineController(this)), m_sessions(new SessionController(this)),
      m_comparisons(new CompareController(m_engine, this)), m_probes(new ProbeController(m_engine, this)),
      m_prompts(new UserPrompts(this)), m_tabs(new QTabWidget(this)), m_scores(new views::ScoresPanel(this)),
      m_budget(new views::BudgetPanel(this)), m_modelCard(new views::ModelCard(this)),
      m_filters(new views::SessionFilterPanel(this)), m_grid(new views::NeedleGridPanel(this)),
      m_categories(new views::CategoryPanel(this)), m_statistics(new views::StatisticsPanel(this)),
      m_probe(new views::ProbePanel(this)), m_compare(new views::ComparePanel(this)), m_eval(new views::EvalPanel(this))
{
    setWindowTitle(QStringLiteral("HeadScope"));
    setAcceptDrops(true);
    m_tabs->setDocumentMode(true);
    addView(m_scores, QStringLiteral("Heads"));
    addView(m_grid, QStringLiteral("Needle grid"));
    addView(m_categories, QStringLiteral("Categories"));
    addView(m_statistics, QStringLiteral("Statistics"));
    addView(m_budget, QStringLiteral("Budget"));
    addView(m_probe, QStringLiteral("Probe"));
    addView(m_compare, QStringLiteral("Compare"));
    addView(m_eval, QStringLiteral("Eval"));
    addView(m_modelCard, QStringLiteral("Model"));
    setCentralWidget(m_tabs);
    m_filterDock = new QDockWidget(QStringLiteral("Session filters"), this);
    m_filterDock->setObjectName(QStringLiteral("sessionFilters"));
    m_filterDock->setWidget(m_filters);
    addDockWidget(Qt::LeftDockWidgetArea, m_filterDock);
    m_filterDock->hide();

    m_sourceLabel = new QLabel(this);
    m_sourceLabel->setObjectName(QStringLiteral("sourceLabel"));
    // A gap before it: a message too long for the bar is cut there, and must not read as
    // running into the file name.
    m_sourceLabel->setContentsMargins(16, 0, 0, 0);
    m_deviceLabel = new QLabel(this);
    m_memoryLabel = new QLabel(this);
    m_engineStatusLabel = new QLabel(this);
    m_engineStatusLabel->setObjectName(QStringLiteral("engineStatusLabel"));
    connect(m_engine, &EngineController::engineStatus, m_engineStatusLabel, &QLabel::setText);
    setSourceText(QStringLiteral("No file open"));
    // All labels are permanent (right-hand side); the left is left to showMessage(). A normal
    // widget there is hidden by a message only when the bar is already visible, so a message
    // shown before the first show (or in an offscreen grab) was drawn over it.
    statusBar()->addPermanentWidget(m_sourceLabel);
    statusBar()->addPermanentWidget(m_deviceLabel);
    statusBar()->addPermanentWidget(m_memoryLabel);
    statusBar()->addPermanentWidget(m_engineStatusLabel);
    // A message longer than the bar is cut at the bar's end; hovering the bar shows all of it.
    connect(statusBar(), &QStatusBar::messageChanged, statusBar(), &QWidget::setToolTip);
    m_statusTimer = new QTimer(this);
    m_statusTimer->setInterval(2000);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer->start();

    QString cudaReason;
    const bool cuda = EngineController::cudaAvailable(&cudaReason);
    m_modelCard->setCudaAvailable(cuda, cudaReason);
    connectPanels();
    connectRuns();
    connectModel();

    buildMenus();
    resize(1200, 780);
    restoreGeometry(m_settings.windowGeometry());
    restoreState(m_settings.windowState());
    m_tabs->setCurrentIndex(m_settings.currentTab());
    m_budget->applySettings(m_settings.budget());
    updateAblationAvailability();
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::addView(QWidget* view, const QString& title)
{
    const int index = m_tabs->addTab(view, title);
    if (m_viewMenu) // tabs added after the menus were built
        addViewAction(index);
}

// Documents, scores and selections between the panels.
void MainWindow::connectPanels()
{
    connect(m_sessions, &SessionController::opened, this, &MainWindow::onDocumentOpened);
    connect(m_sessions, &SessionController::failed, this, &MainWindow::showError);
    connect(m_budget, &views::BudgetPanel::exportFailed, this, &MainWindow::showError);
    connect(m_budget, &views::BudgetPanel::exported, this, [this](const QString& message) {
        statusBar()->showMessage(message, 10000);
    });
    connect(m_filters, &views::SessionFilterPanel::scoreSetChanged, this, &MainWindow::showScoreSet);
    connect(m_filters, &views::SessionFilterPanel::gateChanged, m_grid, &views::NeedleGridPanel::setGate);
    connect(m_scores, &views::ScoresPanel::headSelected, m_grid, &views::NeedleGridPanel::selectHead);
    connect(m_scores, &views::ScoresPanel::headsSelected, this, [this](const views::ScoresPanel::Heads& heads) {
        m_compare->setSelectedHeads(heads);
        if (heads.size() == 1)
            statusBar()->showMessage(QStringLiteral("Selected layer %1, head %2").arg(heads[0].first).arg(heads[0].second), 4000);
        else if (!heads.isEmpty())
            statusBar()->showMessage(QStringLiteral("%1 heads selected").arg(heads.size()), 4000);
    });
    connect(m_scores, &views::ScoresPanel::ablateRequested, this, &MainWindow::prepareAblation);
    // The needle grid's open test is offered to Compare ("Use selected probe test").
    connect(m_grid, &views::NeedleGridPanel::testOpened, m_compare, &views::ComparePanel::setProbeTest);
}

// Model runs on the engine worker: probes (and ablations) and comparisons.
void MainWindow::connectRuns()
{
    connect(m_engine, &EngineController::failed, this, &MainWindow::showError);
    connect(m_engine, &EngineController::failed, m_probe, [this] {
        if (!m_probes->isRunning())
            m_probe->setRunning(false);
    });
    connect(m_engine, &EngineController::warned, this,
            [this](const QString& message) { statusBar()->showMessage(QStringLiteral("Warning: %1").arg(message), 15000); });
    connect(m_probe, &views::ProbePanel::problem, this, &MainWindow::showError);
    connect(m_probe, &views::ProbePanel::cancelRequested, m_engine, &EngineController::requestStop);
    connect(m_probe, &views::ProbePanel::startRequested, this, &MainWindow::startProbe);
    connect(m_probe, &views::ProbePanel::openRequested, this, &MainWindow::openFile);
    connect(m_probes, &ProbeController::failed, this, &MainWindow::showError);
    connect(m_probes, &ProbeController::runStarted, this, [this](int total) {
        m_probe->setRunning(true);
        m_probe->setProgress(0, total, 0.0);
    });
    connect(m_engine, &EngineController::probeProgress, this, [this](const std::shared_ptr<const ProbeSnapshot>& snap) {
        m_probe->setProgress(snap->done, snap->total, snap->elapsedSeconds);
        if (!snap->meanInf.empty())
            m_probe->showSnapshot(snap->meanInf);
    });
    // A finished run says so and offers its session; it opens only when the user asks.
    connect(m_probes, &ProbeController::runEnded, this, [this](const ProbeOutcome& outcome, const QString& message) {
        m_probe->setRunning(false);
        const bool kept = outcome.written + outcome.failed > 0 && QFileInfo::exists(outcome.sessionPath);
        m_probe->setRunStatus(message, kept ? outcome.sessionPath : QString());
        statusBar()->showMessage(QStringLiteral("Probe: %1").arg(message), 15000);
        reopenAfterRun();
    });
    connect(m_probes, &ProbeController::failed, this, &MainWindow::reopenAfterRun);
    connect(m_engine, &EngineController::failed, this, [this] {
        if (!m_probes->isRunning())
            reopenAfterRun();
    });
    connect(m_probes, &ProbeController::ablationSummarized, this, [this](const views::AblationSummary& summary) {
        m_probe->ablationView()->setSummary(summary);
        statusBar()->showMessage(summary.headline(), 15000);
    });
    // Full vs compressed under the plan on the Budget tab; full vs masked heads.
    connect(m_compare, &views::ComparePanel::runRequested, this, [this](const QString& prompt, int probeTest, int repeats) {
        m_comparisons->compareCompressed(prompt, probeTest, m_budget->plan(), repeats);
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
        m_tabs->setCurrentWidget(m_compare); // asked for from the Eval tab: show where it runs
    });
    connect(m_comparisons, &CompareController::failed, this, &MainWindow::showError);
    connect(m_comparisons, &CompareController::started, this, [this](const QString& status) {
        statusBar()->showMessage(status);
    });
    connect(m_engine, &EngineController::compared, this, [this](const std::shared_ptr<const Comparison>& c) {
        m_compare->setComparison(*c);
        statusBar()->showMessage(QStringLiteral("Comparison finished: %1 (Compare tab)").arg(QString::fromStdString(c->variant)),
                                 8000);
    });
}

// Loading and unloading a model: the Model tab, the File menu, drops and --model.
void MainWindow::connectModel()
{
    connect(m_modelCard, &views::ModelCard::loadRequested, this,
            [this](const QString& dir, const QString& device, const QString& dtype) { loadModel(dir, {device, dtype}); });
    connect(m_modelCard, &views::ModelCard::unloadRequested, this, &MainWindow::unloadModel);
    connect(m_engine, &EngineController::checkpointLoaded, this, &MainWindow::onCheckpointLoaded);
    connect(m_engine, &EngineController::unloaded, this, &MainWindow::onModelUnloaded);
    connect(m_engine, &EngineController::failed, this, [this] {
        if (!m_engine->isLoading() && !m_modelCard->weightsLoaded() && !m_engine->checkpoint())
            m_modelCard->setWeightsState(QStringLiteral("not loaded"), false);
    });
}

void MainWindow::loadModel(const QString& directory)
{
    loadModel(directory, ModelLoadChoice{m_modelCard->device(), m_modelCard->dtype()});
}

void MainWindow::loadModel(const QString& directory, const ModelLoadChoice& choice)
{
    statusBar()->showMessage(QStringLiteral("Loading the model in %1 (%2, %3)…").arg(directory, choice.device, choice.dtype));
    m_modelCard->setWeightsState(QStringLiteral("loading from %1…").arg(directory), false);
    m_engine->loadModel(directory, choice);
}

void MainWindow::unloadModel()
{
    if (m_probes->isRunning()) {
        showError(QStringLiteral("Unloading the model"),
                  QStringLiteral("a probe is running on it: cancel the run first (Probe tab)"));
        return;
    }
    m_engine->unload();
}

void MainWindow::onCheckpointLoaded(const std::shared_ptr<const CheckpointInfo>& info)
{
    const auto arch = architectureLabel(info->config.architecture);
    m_modelCard->setModel(info->config, QString::fromLatin1(arch.data(), static_cast<qsizetype>(arch.size())),
                          info->directory, info->storedDtype, info->config.parameterCount(), info->weightBytes);
    m_modelCard->setWeightsState(info->engineLoaded ? QStringLiteral("yes: %1").arg(info->device)
                                                    : QStringLiteral("no (card only)"),
                                 info->engineLoaded);
    const ModelConfig& c = info->config;
    m_budget->setModelDims(modelDims(c));
    if (!m_filters->source()) // an open session's own model decides its heatmap's labels
        m_scores->setLayerWindows(modelDims(c).slidingWindows);
    m_probe->setDeviceText(info->engineLoaded ? QStringLiteral("%1 — %2").arg(info->device, QFileInfo(info->directory).fileName())
                                              : QStringLiteral("no weights loaded"));
    // Replaces the "Loading…" message, which would otherwise stay until the next one.
    statusBar()->showMessage(info->engineLoaded ? QStringLiteral("Loaded %1: weights in memory (%2)").arg(info->directory, info->device)
                                                : QStringLiteral("Read the card of %1 (no weights loaded)").arg(info->directory),
                             8000);
    updateAblationAvailability();
    updateStatus();
}

void MainWindow::onModelUnloaded()
{
    m_modelCard->clear();
    m_probe->setDeviceText(QStringLiteral("no model loaded (Model tab or File ▸ Load model…)"));
    if (const views::SessionSource* s = m_filters->source().get(); s && s->kvHeads() > 0 && s->headDim() > 0)
        m_budget->setModelDims({s->layers(), s->heads(), s->kvHeads(), s->headDim(), s->layerWindows()});
    else
        m_budget->clearModelDims();
    if (!m_filters->source())
        m_scores->setLayerWindows({});
    statusBar()->showMessage(QStringLiteral("Model unloaded: its weights are no longer in memory"), 8000);
    updateAblationAvailability();
    updateStatus();
}

void MainWindow::updateAblationAvailability()
{
    const bool session = m_filters->source() != nullptr;
    const bool model = m_engine->checkpoint() && m_engine->checkpoint()->engineLoaded;
    m_scores->setAblationAvailable(session && model, !session ? QStringLiteral("Open a probe session (.h5) first")
                                                              : QStringLiteral("Load the session's model first (Model tab)"));
}

void MainWindow::prepareAblation(const QList<QPair<int, int>>& heads)
{
    const std::shared_ptr<const views::SessionSource>& session = m_filters->source();
    if (!session) {
        showError(QStringLiteral("Re-running the probe without heads"), QStringLiteral("open a probe session (.h5) first"));
        return;
    }
    const views::AggregateQuery subset = m_filters->query();
    try {
        QString note;
        const ProbeRequest request = m_probes->ablationRequest(*session, heads, subset.lengths, subset.depths, &note);
        m_probe->applyRequest(request, note);
        m_probes->expectAblation(QString::fromStdString(request.out.string()), session->path(),
                                 QString::fromStdString(describeHeadList(request.maskedHeads)));
        m_tabs->setCurrentWidget(m_probe); // the user asked for this run: show it, ready to start
        statusBar()->showMessage(QStringLiteral("Check the run on the Probe tab and press Start probe"), 8000);
    } catch (const Error& e) {
        showError(QStringLiteral("Re-running the probe of %1").arg(session->path()), QString::fromStdString(e.what()));
    }
}

void MainWindow::showError(const QString& what, const QString& message)
{
    Q_EMIT errorShown(what, message);
    statusBar()->showMessage(QStringLiteral("Error: %1").arg(message), 8000);
    // Tests and screenshot runs set this to keep modal dialogs from blocking.
    if (qEnvironmentVariableIsSet("HEADSCOPE_NO_DIALOGS"))
        return;
    // Core's message as it is: it names the file, the field or byte, expected and found.
    QMessageBox box(QMessageBox::Warning, QStringLiteral("HeadScope"), what, QMessageBox::Ok, this);
    box.setInformativeText(message);
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    box.exec();
}

void MainWindow::setSourceText(const QString& text)
{
    // Elided in the middle so a deep path keeps its file name and leaves room for messages.
    m_sourceLabel->setText(m_sourceLabel->fontMetrics().elidedText(text, Qt::ElideMiddle, 360));
    m_sourceLabel->setToolTip(text);
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
    if (doc->addedMetric) { // the same document with one more metric
        if (session)
            m_filters->setExtraMetrics(doc->scores.metrics); // re-emits the set
        else
            showScoreSet(doc->scores);
        m_scores->setMetric(*doc->addedMetric);
        setSourceText(doc->scores.source);
        statusBar()->showMessage(QStringLiteral("Added %1 from %2").arg(views::metricLabel(*doc->addedMetric), doc->path), 6000);
        return;
    }
    // A new document: what belonged to the previous one goes (not the run that just grew it).
    const bool reopened = !m_reopening.isEmpty() && std::exchange(m_reopening, QString()) == doc->path;
    m_compare->clearProbeTest();
    m_compare->clearComparison();
    if (!m_probes->isRunning() && !reopened)
        m_probe->clearRun();
    m_probe->documentOpened(doc->path);
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
        m_filters->setSource(nullptr);
        if (!m_engine->checkpoint())
            m_scores->setLayerWindows({});
        showScoreSet(doc->scores);
    }
    updateAblationAvailability();
    setSourceText(doc->path);
    setWindowTitle(QStringLiteral("%1 — HeadScope").arg(QFileInfo(doc->path).fileName()));
    // From a tab that shows no document (Probe, Compare, Model), the user wants to see it.
    QWidget* tab = m_tabs->currentWidget();
    if (!reopened && (tab == m_probe || tab == m_compare || tab == m_modelCard))
        m_tabs->setCurrentWidget(m_scores);
    statusBar()->showMessage(QStringLiteral("Opened %1").arg(doc->path), 4000);
}

void MainWindow::startProbe(const ProbeRequest& request)
{
    const OpenedDocument* doc = m_sessions->current();
    const QString out = QString::fromStdString(request.out.string());
    if (request.resume && doc && doc->session && !out.isEmpty() &&
        QFileInfo(doc->path).absoluteFilePath() == QFileInfo(out).absoluteFilePath()) {
        // Continuing the open session: every view lets go of it so its file closes for the
        // writer; it is reopened, with the new tests, when the run ends.
        std::weak_ptr<const views::SessionSource> held = doc->session;
        const QString path = doc->path;
        m_comparisons->setSession(nullptr);
        m_grid->setSource(nullptr);
        m_statistics->setSource(nullptr);
        m_filters->setSource(nullptr);
        m_sessions->close();
        m_reopenAfterRun = path;
        if (!held.expired()) { // something still reads it: say so rather than fail inside HDF5
            showError(QStringLiteral("Continuing %1").arg(out),
                      QStringLiteral("%1 is still being read by HeadScope; open another file, then continue it").arg(out));
            reopenAfterRun();
            return;
        }
        statusBar()->showMessage(QStringLiteral("Closed %1 while the run adds tests to it").arg(out), 8000);
    }
    m_probes->start(request);
}

void MainWindow::reopenAfterRun()
{
    if (m_reopenAfterRun.isEmpty())
        return;
    m_reopening = std::exchange(m_reopenAfterRun, QString());
    m_sessions->open(m_reopening);
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
    m_scores->setScoreSet(set);
    m_budget->setScoreSet(set); // its own metric; the set's document id tells it a new file from a filter change
    m_categories->setScoreSet(set);
    if (m_filters->source())
        m_statistics->setBaseQuery(m_filters->query());
}

void MainWindow::updateStatus()
{
    m_deviceLabel->setText(deviceStatus(m_engine->checkpoint()));
    const double mib = residentMiB();
    m_memoryLabel->setText(mib < 0 ? QString() : QStringLiteral("memory: %1 MiB").arg(mib, 0, 'f', 0));
}

} // namespace headscope::app
