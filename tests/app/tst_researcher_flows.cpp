// The desktop app as a researcher uses it, on the bundled demo model and the sample session
// recorded from it (resources/demo_model, sample_sessions/demo_probe.h5): budgets computed from
// the Budget tab's own metric and every export recording metric, gate, threshold, subset and the
// session's digest; a score file added to a session refused with both shapes; one action to load
// a model, a drop of its folder or config.json loading it, unload; probe runs that end without
// switching the user's tab or file, say how many tests a cancelled run kept, and ask before Ctrl+Q
// stops them; the Probe tab refusing an existing session in its own words; an ablation (heads
// masked) re-run beside the session's accuracy; and core's error messages shown as they are.
#include "controllers/compare_controller.h"
#include "controllers/engine_controller.h"
#include "controllers/export_dialogs.h"
#include "controllers/probe_controller.h"
#include "controllers/session_controller.h"
#include "controllers/user_prompts.h"
#include "main_window.h"
#include "models/session_source.h"
#include "models/table_csv.h"
#include "plots/heatmap_plot.h"
#include "widgets/ablation_view.h"
#include "widgets/budget_panel.h"
#include "widgets/compare_panel.h"
#include "widgets/model_card.h"
#include "widgets/needle_grid_panel.h"
#include "widgets/probe_panel.h"
#include "widgets/scores_panel.h"
#include "widgets/session_filter_panel.h"

#include "headscope/core/allocator.h"
#include "headscope/core/budget_file.h"
#include "headscope/core/errors.h"
#include "headscope/core/session.h"
#include "headscope/core/sha256.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

using namespace headscope;
using namespace headscope::app;

namespace {

const QString kDemoModel = QStringLiteral(HEADSCOPE_SOURCE_DIR "/resources/demo_model");
const QString kDemoSession = QStringLiteral(HEADSCOPE_SOURCE_DIR "/sample_sessions/demo_probe.h5");
const QString kLlamaScores = QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/head_scores/dililazykv/head_inf.json");

bool openAndWait(MainWindow& window, const QString& path)
{
    QSignalSpy opened(window.sessions(), &SessionController::opened);
    window.openFile(path);
    return opened.wait(20000);
}

bool loadDemoModel(MainWindow& window)
{
    QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
    window.loadModel(kDemoModel);
    return loaded.wait(60000);
}

// One demo needle, a short grid: a run of a few tests on the demo model takes well under a second.
void fillProbe(views::ProbePanel* panel, const QString& lengths, const QString& depths, const QString& out)
{
    panel->needlesEdit()->setPlainText(QStringLiteral(
        "{\"needle\": \"The secret code of Thaloren is 4719.\", \"question\": \"What is the secret code of Thaloren?\", "
        "\"real_needle\": \"Thaloren 4719\", \"answer\": \"The secret code of Thaloren is 4719.\"}"));
    panel->lengthsEdit()->setText(lengths);
    panel->depthsEdit()->setText(depths);
    panel->maxTokensBox()->setValue(8);
    panel->stopAtNewlineBox()->setChecked(true);
    panel->outputEdit()->setText(out);
    panel->resumeBox()->setChecked(false);
}

// With HEADSCOPE_SCREENSHOT_DIR set, the window showing `tab` is saved there as `name`.png (the
// pictures in docs/screenshots/ come from these states); the user's tab is restored after.
void shot(MainWindow& window, QWidget* tab, const QString& name)
{
    const QString dir = qEnvironmentVariable("HEADSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QWidget* was = window.tabs()->currentWidget();
    if (!window.isVisible()) {
        window.resize(1280, 800);
        window.show();
        if (!QTest::qWaitForWindowExposed(&window))
            qWarning("screenshot: the window was not exposed; the grab may be blank");
    }
    window.tabs()->setCurrentWidget(tab);
    QCoreApplication::processEvents();
    QDir().mkpath(dir);
    window.grab().save(QDir(dir).filePath(name + QStringLiteral(".png")));
    window.tabs()->setCurrentWidget(was);
}

} // namespace

class TestResearcherFlows : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString copyOfDemoSession(const QString& name)
    {
        const QString path = m_dir.filePath(name);
        QFile::remove(path);
        if (!QFile::copy(kDemoSession, path))
            return {};
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("HeadScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_researcher_flows"));
        qputenv("HEADSCOPE_NO_DIALOGS", "1");
        QVERIFY(m_dir.isValid());
        if (!QFileInfo::exists(kDemoSession) || !QFileInfo::exists(kDemoModel + QStringLiteral("/model.safetensors")))
            QFAIL("the demo model or the sample session is missing from the source tree");
    }

    void budgetUsesItsOwnMetricAndExportsRecordIt()
    {
        const QString session = copyOfDemoSession(QStringLiteral("budget_source.h5"));
        MainWindow window;
        QVERIFY(openAndWait(window, session));
        views::ScoresPanel* heads = window.scoresPanel();
        views::BudgetPanel* budget = window.budgetPanel();
        // Looking at another metric on the Heads tab does not change the budget's scores.
        QVERIFY(heads->setMetric(HeadMetric::Retrieval));
        QCOMPARE(budget->sourceMetric(), HeadMetric::Inf);
        budget->setMethod(AllocationMethod::DiliLazyKv);
        const auto reader = SessionReader::open(session.toStdString());
        SessionQuery q;
        q.metric = HeadMetric::Inf;
        q.gate = Gate::Rouge1;
        q.threshold = 50;
        const SessionAggregate inf = reader->aggregate(q);
        const BudgetPlan expected = allocate(AllocationMethod::DiliLazyKv, &inf.mean, inf.mean.layers, inf.mean.heads,
                                             budget->params());
        QCOMPARE(budget->plan()->capacities, expected.capacities);
        QVERIFY2(budget->sourceLabel()->text().contains(QStringLiteral("gate rouge1_recall &gt; 50")),
                 qPrintable(budget->sourceLabel()->text()));

        // Exports record metric, gate, threshold, subset and the session's digest.
        QVERIFY(budget->setSourceMetric(HeadMetric::Retrieval));
        shot(window, budget, QStringLiteral("budget_source_metric"));
        const QString budgetPath = m_dir.filePath(QStringLiteral("demo_budget.json"));
        QString error;
        QVERIFY2(budget->exportBudgetJson(budgetPath, &error), qPrintable(error));
        const BudgetPlan written = readBudgetFile(budgetPath.toStdString());
        QVERIFY(written.source.has_value());
        QCOMPARE(written.source->metric, std::string("retrieval"));
        QCOMPARE(written.source->gate, std::string("rouge1_recall"));
        QCOMPARE(written.source->threshold, 50.0);
        QVERIFY(written.source->lengths.empty() && written.source->depths.empty());
        QCOMPARE(written.source->testsTotal, 75);
        QCOMPARE(written.source->sha256, sha256FileHex(session.toStdString()));
        const QString scoresPath = m_dir.filePath(QStringLiteral("exported_heads.json")); // the name says nothing
        QVERIFY2(budget->exportHeadScoresJson(scoresPath, &error), qPrintable(error));
        const views::CsvPreamble preamble = heads->csvPreamble();
        const QString csv = views::tableToCsv(*heads->table()->model(), preamble);
        for (const char* line : {"# Metric: Retrieval (copy) (retrieval)", "# Gate: rouge1_recall > 50", "# SHA-256: ",
                                 "# Lengths: all", "# Tests: "})
            QVERIFY2(csv.contains(QLatin1String(line)), qPrintable(csv.left(400)));
        QCOMPARE(heads->heatmap()->exportTitle().left(17), QStringLiteral("Retrieval (copy) "));

        // Re-opened, the file shows the metric it holds; the next file does not inherit it.
        const views::MetricMap exported = *window.sessionFilters()->scoreSet().find(HeadMetric::Retrieval);
        QVERIFY(openAndWait(window, scoresPath));
        QCOMPARE(heads->metric(), HeadMetric::Retrieval);
        QCOMPARE(budget->sourceMetric(), HeadMetric::Retrieval);
        QVERIFY2(heads->infoLabel()->text().contains(QStringLiteral("metric recorded at export")),
                 qPrintable(heads->infoLabel()->text()));
        QVERIFY(std::abs(heads->heatmap()->value(3, 4) - exported.matrix.at(3, 4)) < 1e-9);
        QVERIFY2(budget->source()->exportedFrom.find("rouge1_recall > 50") != std::string::npos,
                 budget->source()->exportedFrom.c_str());
        QVERIFY(openAndWait(window, session));
        QCOMPARE(heads->metric(), HeadMetric::Inf);
        QCOMPARE(budget->sourceMetric(), HeadMetric::Inf);
        QVERIFY(heads->selectedHeads().isEmpty());
    }

    void addingAScoreFileNeverReplacesTheSession()
    {
        MainWindow window;
        QVERIFY(openAndWait(window, kDemoSession));
        const auto session = window.sessionFilters()->source();
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.addScoreFile(kLlamaScores); // 32 × 32 onto 4 × 8
        QVERIFY(errors.wait(20000));
        const QString message = errors.at(0).at(1).toString();
        QVERIFY2(message.contains(QStringLiteral("32 layers × 32 heads")) && message.contains(QStringLiteral("4 × 8")),
                 qPrintable(message));
        QCOMPARE(window.sessionFilters()->source(), session);
        QCOMPARE(window.scoresPanel()->heatmap()->rows(), 4);
        QCOMPARE(window.sessions()->current()->session, session);
        // Same shape, but a metric the session has from its own tests: refused, saying so.
        const QString same = m_dir.filePath(QStringLiteral("demo_retrieval_heads.json"));
        QFile f(same);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QString json = QStringLiteral("{");
        for (int l = 0; l < 4; ++l)
            for (int h = 0; h < 8; ++h)
                json += QStringLiteral("%1\"%2-%3\": [0.%4]").arg(l + h ? QStringLiteral(", ") : QString()).arg(l).arg(h).arg(l * 8 + h + 1);
        f.write((json + QStringLiteral("}")).toUtf8());
        f.close();
        window.addScoreFile(same);
        QVERIFY(errors.wait(20000));
        QVERIFY2(errors.at(1).at(1).toString().contains(QStringLiteral("already has Retrieval")),
                 qPrintable(errors.at(1).at(1).toString()));
        QCOMPARE(window.sessionFilters()->source(), session);
    }

    void modelLoadsInOneActionAndUnloads()
    {
        MainWindow window;
        QVERIFY(loadDemoModel(window));
        views::ModelCard* card = window.modelCard();
        QVERIFY(card->weightsLoaded());
        QVERIFY2(card->field(QStringLiteral("Weights in memory")).startsWith(QStringLiteral("yes: cpu")),
                 qPrintable(card->field(QStringLiteral("Weights in memory"))));
        QCOMPARE(card->field(QStringLiteral("Layers")), QStringLiteral("4"));
        QVERIFY2(!window.statusBar()->currentMessage().contains(QStringLiteral("Loading")),
                 qPrintable(window.statusBar()->currentMessage()));
        QVERIFY(window.probePanel()->deviceLabel()->text().startsWith(QStringLiteral("cpu")));
        QVERIFY(window.engine()->checkpoint()->engineLoaded);
        shot(window, card, QStringLiteral("model_card_loaded"));

        QSignalSpy unloaded(window.engine(), &EngineController::unloaded);
        window.unloadModel();
        QVERIFY(unloaded.wait(10000));
        QVERIFY(!card->weightsLoaded());
        QCOMPARE(card->field(QStringLiteral("Weights in memory")), QStringLiteral("not loaded"));
        QVERIFY(!window.engine()->checkpoint());
        QVERIFY(!card->unloadButton()->isEnabled());

        // A dropped checkpoint folder, or its config.json, loads the model (not read as a score file).
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        for (const QString& dropped : {kDemoModel, kDemoModel + QStringLiteral("/config.json")}) {
            QMimeData mime;
            mime.setUrls({QUrl::fromLocalFile(dropped)});
            QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
            QCoreApplication::sendEvent(&window, &enter);
            QVERIFY(enter.isAccepted());
            QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
            QCoreApplication::sendEvent(&window, &drop);
            QVERIFY(loaded.wait(60000));
            QVERIFY(card->weightsLoaded());
        }
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.at(0).at(1).toString()));
        // The device list is real: CUDA is offered only when this build can use it.
        QString reason;
        if (!EngineController::cudaAvailable(&reason)) {
            QCOMPARE(card->device(), QStringLiteral("cpu"));
            // Said in the tooltips; the item itself stays short so the box stays narrow.
            QCOMPARE(card->deviceBox()->itemText(1), QStringLiteral("cuda (unavailable)"));
            QVERIFY(card->deviceBox()->itemData(1, Qt::ToolTipRole).toString().contains(reason));
            QVERIFY(card->deviceBox()->toolTip().contains(reason));
        }
    }

    void probeRunsEndWithoutTakingOver()
    {
        const QString session = copyOfDemoSession(QStringLiteral("open_while_probing.h5"));
        MainWindow window;
        QVERIFY(loadDemoModel(window));
        QVERIFY(openAndWait(window, session));
        window.tabs()->setCurrentWidget(window.budgetPanel()); // where the user is working
        views::ProbePanel* probe = window.probePanel();
        const QString out = m_dir.filePath(QStringLiteral("gui_run.h5"));
        QFile::remove(out);
        fillProbe(probe, QStringLiteral("300"), QStringLiteral("0, 50"), out);
        QSignalSpy ended(window.probes(), &ProbeController::runEnded);
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        probe->startButton()->click();
        QVERIFY(ended.wait(60000));
        QCOMPARE(window.tabs()->currentWidget(), window.budgetPanel());
        QCOMPARE(window.sessions()->current()->path, session);
        QCOMPARE(opened.count(), 0);
        QVERIFY2(probe->statusLabel()->text().startsWith(QStringLiteral("Finished: 2 tests written to gui_run.h5")),
                 qPrintable(probe->statusLabel()->text()));
        QVERIFY(probe->openButton()->isVisibleTo(probe));
        probe->openButton()->click(); // asked for: now it opens
        QVERIFY(opened.wait(20000));
        QCOMPARE(window.sessions()->current()->path, out);
        shot(window, probe, QStringLiteral("probe_finished"));
        shot(window, window.needleGrid(), QStringLiteral("needle_grid_one_length")); // one length: 300

        // The same file again: the Probe tab's words, not the CLI's.
        QSignalSpy errors(&window, &MainWindow::errorShown);
        probe->startButton()->click();
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.at(0).at(1).toString().contains(QStringLiteral("Continue this session")) &&
                     !errors.at(0).at(1).toString().contains(QStringLiteral("--resume")),
                 qPrintable(errors.at(0).at(1).toString()));
        // Continuing the open session: it is closed while the run writes, reopened after, and
        // the user stays where they are. (The spy's copy of the opened document would keep the
        // file open, as a view holding on to it would.)
        opened.clear();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete); // the open's finished reader job
        window.tabs()->setCurrentWidget(window.probePanel());
        // (A resume keeps the session's grid — other depths are refused by the writer — so the
        // continued run finds every test done.)
        probe->resumeBox()->setChecked(true);
        probe->startButton()->click();
        QVERIFY2(ended.wait(60000), errors.size() > 1 ? qPrintable(errors.at(1).at(1).toString()) : "no error shown");
        QVERIFY2(probe->statusLabel()->text().contains(QStringLiteral("0 tests written")) &&
                     probe->statusLabel()->text().contains(QStringLiteral("2 already there skipped")),
                 qPrintable(probe->statusLabel()->text()));
        QVERIFY(opened.wait(20000));
        QCOMPARE(window.sessions()->current()->path, out);
        QCOMPARE(window.sessions()->current()->session->tests().size(), std::size_t{2});
        QCOMPARE(window.tabs()->currentWidget(), probe);
        QVERIFY(probe->statusLabel()->text().contains(QStringLiteral("0 tests written")));
    }

    void cancelledRunsSayWhatTheyKeptAndQuitAsksFirst()
    {
        MainWindow window;
        QVERIFY(loadDemoModel(window));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        views::ProbePanel* probe = window.probePanel();
        const QString out = m_dir.filePath(QStringLiteral("cancelled.h5"));
        QFile::remove(out);
        fillProbe(probe, QStringLiteral("300, 320, 340, 360"), QStringLiteral("0, 25, 50, 75, 100"), out);
        QSignalSpy ended(window.probes(), &ProbeController::runEnded);
        QSignalSpy asked(window.prompts(), &UserPrompts::asked);
        int progress = 0;
        connect(window.engine(), &EngineController::probeProgress, &window, [&] {
            if (++progress == 1) {
                window.prompts()->setScriptedAnswer(false);
                window.close(); // Ctrl+Q: File ▸ Quit closes the window
            } else if (progress == 2) {
                probe->cancelButton()->click();
            }
        });
        probe->startButton()->click();
        QVERIFY(ended.wait(120000));
        QCOMPARE(asked.count(), 1);
        QVERIFY2(asked.at(0).at(1).toString().contains(QStringLiteral("A probe is running")), qPrintable(asked.at(0).at(1).toString()));
        QVERIFY(window.isVisible()); // "no" kept the window and the run
        const auto outcome = ended.at(0).at(0).value<ProbeOutcome>();
        QVERIFY(outcome.cancelled);
        const int kept = static_cast<int>(SessionReader::open(out.toStdString())->tests().size());
        QVERIFY(kept >= 2 && kept < 20);
        QVERIFY2(probe->statusLabel()->text().startsWith(QStringLiteral("Cancelled after %1 of 20 tests: %1 kept in cancelled.h5").arg(kept)),
                 qPrintable(probe->statusLabel()->text()));
        shot(window, probe, QStringLiteral("probe_cancelled"));
        // Not running any more: closing asks nothing.
        window.close();
        QCOMPARE(asked.count(), 1);
        QVERIFY(!window.isVisible());
    }

    void ablationShowsAccuracyNextToTheSession()
    {
        const QString session = copyOfDemoSession(QStringLiteral("ablated.h5"));
        MainWindow window;
        QVERIFY(loadDemoModel(window));
        QVERIFY(openAndWait(window, session));
        // The subset to re-run: length 512, depths 25 and 50 (the Session filters' choice).
        views::SessionFilterPanel* filters = window.sessionFilters();
        for (int i = 0; i < filters->lengthList()->count(); ++i)
            filters->lengthList()->item(i)->setCheckState(filters->lengthList()->item(i)->text() == QLatin1String("512") ? Qt::Checked : Qt::Unchecked);
        for (int i = 0; i < filters->depthList()->count(); ++i) {
            const QString d = filters->depthList()->item(i)->text();
            filters->depthList()->item(i)->setCheckState(d == QLatin1String("25") || d == QLatin1String("50") ? Qt::Checked : Qt::Unchecked);
        }
        views::ScoresPanel* heads = window.scoresPanel();
        heads->selectTopHeads(3);
        shot(window, heads, QStringLiteral("heads_top3_selected"));
        QVERIFY(heads->ablateButton()->isEnabled());
        heads->ablateButton()->click();
        views::ProbePanel* probe = window.probePanel();
        QCOMPARE(window.tabs()->currentWidget(), probe);
        QCOMPARE(probe->lengthsEdit()->text(), QStringLiteral("512"));
        QCOMPARE(probe->depthsEdit()->text(), QStringLiteral("25, 50"));
        QCOMPARE(probe->maskEdit()->text().count(QLatin1Char('-')), 3);
        QVERIFY(probe->outputEdit()->text().endsWith(QStringLiteral("ablated_without_3_heads.h5")));
        // The sample session predates recorded generation settings: the README's are set here.
        probe->maxTokensBox()->setValue(24);
        probe->stopAtNewlineBox()->setChecked(true);
        QSignalSpy summarized(window.probes(), &ProbeController::ablationSummarized);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        probe->startButton()->click();
        QVERIFY(summarized.wait(120000));
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.at(0).at(1).toString()));
        shot(window, probe, QStringLiteral("ablation_summary"));
        const views::AblationSummary& s = probe->ablationView()->summary();
        QCOMPARE(s.rows.front().tests, 10); // 1 length × 2 depths × 5 needles
        QCOMPARE(s.unmatched, 0);
        // The session side is the session's own recorded accuracy over those tests.
        double rouge = 0.0;
        for (const views::TestInfo& t : filters->source()->tests())
            if (t.length == 512 && (t.depth == 25.0 || t.depth == 50.0))
                rouge += t.gates[0];
        QVERIFY(std::abs(s.rows.front().base[0] - rouge / 10.0) < 1e-9);
        QVERIFY(s.rows.front().masked[0] >= 0.0 && s.rows.front().masked[0] <= 100.0);
        QVERIFY2(s.headline().contains(heads->infoLabel()->text().section(QStringLiteral("selected: "), 1).left(5)),
                 qPrintable(s.headline()));
        const auto masked = SessionReader::open(probe->outputEdit()->text().toStdString());
        QCOMPARE(masked->manifest().maskedHeads.empty(), false);
        QCOMPARE(masked->tests().size(), std::size_t{10});

        // The same heads masked in Compare, timed: medians after a warm-up, said so.
        QSignalSpy compared(window.engine(), &EngineController::compared);
        window.comparisons()->compareMasked(heads->selectedHeads(), QStringLiteral("The secret code of Thaloren is"), -1, 2);
        QVERIFY(compared.wait(60000));
        const auto c = compared.at(0).at(0).value<std::shared_ptr<const Comparison>>();
        QVERIFY(c->timing.has_value());
        QCOMPARE(c->timing->repeats, 2);
        QVERIFY2(window.comparePanel()->summary()->text().contains(QStringLiteral("median of 2 runs each after a warm-up")),
                 qPrintable(window.comparePanel()->summary()->text()));
        QVERIFY2(c->variant.find("3 heads masked") != std::string::npos, c->variant.c_str());
        shot(window, window.comparePanel(), QStringLiteral("compare_masked_timed"));
        QCOMPARE(window.tabs()->currentWidget(), probe); // the result did not pull the user away
    }

    void errorsShowCoresMessage()
    {
        // A truncated session: the dialog says what core's reader says, word for word.
        const QString truncated = m_dir.filePath(QStringLiteral("truncated.h5"));
        QFile in(kDemoSession);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QFile out(truncated);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(in.read(1000000));
        out.close();
        QString core;
        try {
            SessionReader::open(truncated.toStdString());
        } catch (const Error& e) {
            core = QString::fromStdString(e.what());
        }
        QVERIFY2(core.contains(QStringLiteral("truncated: the file ends at byte 1000000 of 4572259")), qPrintable(core));
        MainWindow window;
        QVERIFY(openAndWait(window, kDemoSession));
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.openFile(truncated);
        QVERIFY(errors.wait(20000));
        QCOMPARE(errors.at(0).at(1).toString(), core);
        QVERIFY(errors.at(0).at(0).toString().contains(QStringLiteral("truncated.h5")));
        QCOMPARE(window.sessions()->current()->path, kDemoSession); // the open session stays
        // The export dialogs complete a name typed without its suffix.
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/heads"), QStringLiteral("PNG image (*.png)")), QStringLiteral("/tmp/heads.png"));
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/t"), QStringLiteral("CSV (*.csv)")), QStringLiteral("/tmp/t.csv"));
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/t.txt"), QStringLiteral("CSV (*.csv)")), QStringLiteral("/tmp/t.txt"));
    }
};

QTEST_MAIN(TestResearcherFlows)
#include "tst_researcher_flows.moc"
