// The run panels: a probe run from the GUI (the engine worker runs ProbeRunner on a random-weight
// checkpoint with a real tokenizer; progress and head maps arrive as snapshots while the event
// loop keeps running; the finished session opens; Cancel stops a run early) and "mask selected
// heads and re-run" in the Compare panel.
#include "controllers/engine_controller.h"
#include "controllers/session_controller.h"
#include "main_window.h"
#include "plots/attention_row_plot.h"
#include "plots/heatmap_plot.h"
#include "widgets/needle_grid_panel.h"
#include "widgets/budget_panel.h"
#include "widgets/compare_panel.h"
#include "widgets/param_slider.h"
#include "widgets/probe_panel.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/session.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTextBrowser>
#include <QStandardPaths>
#include <QTimer>
#include <QtTest>

using namespace headscope;
using namespace headscope::app;

class TestRunPanels : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model;

    void fillPanel(views::ProbePanel* panel, const QString& lengths, const QString& depths, const QString& out)
    {
        panel->needlesEdit()->setPlainText(QStringLiteral(
            "{\"needle\": \"The best thing to do in San Francisco is to eat a sandwich in Dolores Park.\", "
            "\"question\": \"What is the best thing to do in San Francisco?\", "
            "\"real_needle\": \"eat a sandwich in Dolores Park\"}"));
        panel->lengthsEdit()->setText(lengths);
        panel->depthsEdit()->setText(depths);
        panel->maxTokensBox()->setValue(3);
        panel->outputEdit()->setText(m_dir.filePath(out));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("HeadScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_run_panels"));
        qputenv("HEADSCOPE_NO_DIALOGS", "1");
        const QString tokenizer = QStringLiteral(HEADSCOPE_TEST_DATA_DIR "/tokenizers/llama3");
        if (!QFileInfo::exists(tokenizer + QStringLiteral("/tokenizer.json")))
            QSKIP("real tokenizers not fetched (CTest fixture 'tokenizers')");
        m_model = m_dir.filePath(QStringLiteral("model"));
        TestModelSpec spec;
        spec.layers = 2;
        spec.hidden = 64;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.intermediate = 96;
        spec.seed = 3;
        spec.tokenizerDir = tokenizer.toStdString();
        writeTestModel(spec, m_model.toStdString());
    }

    void probeRunsOnWorkerAndOpensSession()
    {
        MainWindow window;
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        window.engine()->loadCheckpoint(m_model, true);
        QVERIFY(loaded.wait(60000));
        views::ProbePanel* panel = window.probePanel();
        fillPanel(panel, QStringLiteral("300"), QStringLiteral("0, 100"), QStringLiteral("run.h5"));
        QSignalSpy progress(window.engine(), &EngineController::probeProgress);
        QSignalSpy finished(window.engine(), &EngineController::probeFinished);
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
        timer.start(5);
        panel->startButton()->click();
        QVERIFY(!panel->startButton()->isEnabled());
        QVERIFY(finished.wait(120000));
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.at(0).at(1).toString()));
        const auto outcome = finished.at(0).at(0).value<ProbeOutcome>();
        QCOMPARE(outcome.written, 2);
        QVERIFY(!outcome.cancelled);
        QCOMPARE(progress.count(), 2);
        const auto last = progress.at(1).at(0).value<std::shared_ptr<const ProbeSnapshot>>();
        QCOMPARE(last->done, 2);
        QCOMPARE(last->total, 2);
        QCOMPARE(last->meanInf.layers, 2);
        QCOMPARE(last->meanInf.heads, 4);
        QCOMPARE(panel->liveHeatmap()->rows(), 2);
        QVERIFY(ticks > 0); // the GUI thread ran its timers during the run
        QVERIFY(panel->startButton()->isEnabled());
        QVERIFY(opened.wait(10000) || opened.count() == 1);
        QCOMPARE(window.needleGrid()->grid()->rows(), 2); // depths 0 and 100
        QCOMPARE(window.needleGrid()->grid()->cols(), 1);
        // The recorded prompt ids are decoded with the recorded tokenizer, so the attention row
        // carries token text and the detail pane lists the hottest positions in context.
        const views::AttentionRow& row = window.needleGrid()->rowPlot()->row();
        QCOMPARE(row.tokens.size(), row.keys);
        QVERIFY2(window.needleGrid()->details()->toPlainText().contains(QLatin1Char('[')),
                 qPrintable(window.needleGrid()->details()->toPlainText()));
        QCOMPARE(SessionReader::open(m_dir.filePath(QStringLiteral("run.h5")).toStdString())->tests().size(),
                 std::size_t{2});
    }

    void cancelStopsEarly()
    {
        MainWindow window;
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        window.engine()->loadCheckpoint(m_model, true);
        QVERIFY(loaded.wait(60000));
        views::ProbePanel* panel = window.probePanel();
        fillPanel(panel, QStringLiteral("300, 320, 340, 360"), QStringLiteral("0, 25, 50, 75, 100"),
                  QStringLiteral("cancelled.h5"));
        QSignalSpy finished(window.engine(), &EngineController::probeFinished);
        connect(window.engine(), &EngineController::probeProgress, panel, [panel] { panel->cancelButton()->click(); });
        panel->startButton()->click();
        QVERIFY(finished.wait(120000));
        const auto outcome = finished.at(0).at(0).value<ProbeOutcome>();
        QVERIFY(outcome.cancelled);
        QVERIFY2(outcome.written < 20, qPrintable(QString::number(outcome.written)));
    }

    void maskHeadsAndRerun()
    {
        MainWindow window;
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        window.engine()->loadCheckpoint(m_model, true);
        QVERIFY(loaded.wait(60000));
        views::ComparePanel* panel = window.comparePanel();
        panel->setPrompt(QStringLiteral("The best thing to do in San Francisco is"));
        // Every query head of both layers masked: attention contributes nothing, so the output
        // distribution must move.
        QList<QPair<int, int>> heads;
        for (int l = 0; l < 2; ++l)
            for (int h = 0; h < 4; ++h)
                heads.append({l, h});
        panel->setSelectedHeads(heads);
        QSignalSpy compared(window.engine(), &EngineController::compared);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        panel->maskButton()->click();
        QVERIFY(compared.wait(60000));
        QVERIFY(errors.isEmpty());
        const auto r = compared.at(0).at(0).value<std::shared_ptr<const Comparison>>();
        QCOMPARE(r->fullTokenTexts.size(), std::size_t{24});
        QCOMPARE(r->steps.size(), std::size_t{24});
        double total = 0.0;
        for (const StepComparison& s : r->steps) {
            QVERIFY(s.kl >= 0.0);
            total += s.kl;
        }
        QVERIFY2(total > 1e-6, qPrintable(QString::number(total)));
        QVERIFY(r->full.kvBytes > 0);
        QVERIFY2(r->variant.starts_with("8 heads masked: L0-H0"), r->variant.c_str());
        QCOMPARE(window.tabs()->currentWidget(), panel);

        // Masking nothing is refused with a reason.
        panel->setSelectedHeads({});
        CompareJob none;
        none.prompt = panel->prompt();
        window.engine()->compare(none);
        QVERIFY(errors.wait(10000));
        QVERIFY(errors.at(0).at(1).toString().contains(QStringLiteral("select at least one head")));
    }

    void fullVersusCompressedUnderTheBudgetTabsPlan()
    {
        MainWindow window;
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        window.engine()->loadCheckpoint(m_model, true);
        QVERIFY(loaded.wait(60000));
        views::BudgetPanel* budget = window.budgetPanel();
        budget->setMethod(AllocationMethod::Uniform);
        budget->capacitySlider()->setValue(16);
        budget->windowSlider()->setValue(4);
        QVERIFY2(budget->plan().has_value(), qPrintable(budget->error()));
        QCOMPARE(budget->plan()->layers, 2); // the loaded checkpoint's shape, not the 32×32 default
        views::ComparePanel* panel = window.comparePanel();
        panel->setPrompt(QStringLiteral("In the quiet town of Alderbrook, the annual lantern festival draws visitors "
                                        "from every valley nearby. The secret password for the festival is ORCHID."));
        QSignalSpy compared(window.engine(), &EngineController::compared);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        Q_EMIT panel->runRequested(panel->prompt(), panel->probeTest());
        QVERIFY(compared.wait(60000));
        QVERIFY(errors.isEmpty());
        const auto r = compared.at(0).at(0).value<std::shared_ptr<const Comparison>>();
        QVERIFY2(r->variant.starts_with("Compressed: uniform"), r->variant.c_str());
        QCOMPARE(r->steps.size(), r->fullTokenTexts.size());
        QVERIFY(r->top1Agreement >= 0.0 && r->top1Agreement <= 1.0);
        // 2 layers × 2 KV heads × (12 selected + 4 window) tokens × head_dim 16 × K,V × f32
        QCOMPARE(r->variantRun.kvBytes, int64_t(2 * 2 * 16 * 16 * 2 * 4));
        QVERIFY(r->variantRun.kvBytes < r->full.kvBytes);
        QVERIFY2(panel->summary()->text().contains(QStringLiteral("top-1 agreement")),
                 qPrintable(panel->summary()->text()));
    }

    void probeWithoutWeightsFailsClearly()
    {
        MainWindow window;
        QSignalSpy errors(&window, &MainWindow::errorShown);
        fillPanel(window.probePanel(), QStringLiteral("300"), QStringLiteral("50"), QStringLiteral("none.h5"));
        window.probePanel()->startButton()->click();
        QVERIFY(errors.wait(10000));
        QVERIFY2(errors.at(0).at(1).toString().contains(QStringLiteral("no model weights")),
                 qPrintable(errors.at(0).at(1).toString()));
        QVERIFY(window.probePanel()->startButton()->isEnabled());
    }
};

QTEST_MAIN(TestRunPanels)
#include "tst_run_panels.moc"
