// Compare on a probe test of the open session: clicking a needle-grid cell offers the
// test to the Compare panel; ticking "Use selected probe test" runs full vs compressed on the
// token ids the session recorded (not on the typed text) with its needle span, so the result
// reports the needle tokens each KV head kept. Sessions without /tests/<id>/prompt_ids and ids
// beyond the loaded model's vocabulary are refused with a message, not a crash.
#include "controllers/engine_controller.h"
#include "controllers/session_controller.h"
#include "main_window.h"
#include "widgets/budget_panel.h"
#include "widgets/compare_panel.h"
#include "widgets/needle_grid_panel.h"
#include "widgets/param_slider.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QtTest>

using namespace headscope;
using namespace headscope::app;

namespace {
constexpr int kLayers = 2;
constexpr int kHeads = 4;
constexpr int kKvHeads = 2;

// One test (id 0) at depth 50% whose prompt is `ids` with the needle at [spanStart, spanEnd);
// the ids are stored only when `storeIds` (sessions written before prompts were stored lack them).
void writeSession(const QString& path, const std::vector<int32_t>& ids, int64_t spanStart, int64_t spanEnd,
                  bool storeIds)
{
    SessionManifest manifest;
    manifest.layers = kLayers;
    manifest.heads = kHeads;
    manifest.kvHeads = kKvHeads;
    manifest.headDim = 16;
    manifest.lengths = {static_cast<int>(ids.size())};
    manifest.depths = {0.5};
    manifest.needlesJsonl = "{\"needle\": \"The secret password for the festival is ORCHID.\", "
                            "\"question\": \"What is the secret password?\", \"real_needle\": \"ORCHID\"}\n";
    manifest.device = "cpu";
    manifest.dtype = "f32";
    auto writer = SessionWriter::create(path.toStdString(), manifest);
    SessionTest t;
    t.id = 0;
    t.length = static_cast<int>(ids.size());
    t.depth = 0.5;
    t.spanStart = spanStart;
    t.spanEnd = spanEnd;
    t.promptLength = static_cast<int64_t>(ids.size());
    if (storeIds)
        t.promptIds = ids;
    t.text = "ORCHID";
    t.rouge1Recall = 100.0;
    t.scores.layers = kLayers;
    t.scores.heads = kHeads;
    t.scores.scoredRows = 1;
    for (auto& v : t.scores.values)
        v.assign(kLayers * kHeads, 0.1);
    StoredStep step;
    step.token = 42;
    for (int r = 0; r < kLayers * kHeads; ++r) {
        RowStats s;
        s.rowLength = t.promptLength;
        s.topIndices = {static_cast<int32_t>(spanStart), 0};
        s.topWeights = {0.7f, 0.1f};
        s.needleMass = 0.7;
        step.rows.push_back(s);
    }
    writer->appendTest(t, {step});
}
} // namespace

class TestCompareProbeTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model;      // llama3 tokenizer, 2 layers × 4 heads (2 KV heads)
    QString m_tinyVocab;  // 256 ids, no tokenizer
    std::vector<int32_t> m_ids;
    int64_t m_spanStart = 0, m_spanEnd = 0;

    // Opens `session` in `window`, clicks its only grid cell and ticks "Use selected probe test".
    static void selectProbeTest(MainWindow& window, const QString& session)
    {
        views::ComparePanel* panel = window.comparePanel();
        QVERIFY(!panel->probeTestBox()->isEnabled()); // no session, no probe test to offer
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        window.openFile(session);
        QVERIFY(opened.wait(10000));
        QCOMPARE(window.needleGrid()->openCell(0, 0), 0);
        QVERIFY(panel->probeTestBox()->isEnabled());
        panel->probeTestBox()->setChecked(true);
        QCOMPARE(panel->probeTest(), 0);
    }

    static void chooseUniformPlan(MainWindow& window)
    {
        views::BudgetPanel* budget = window.budgetPanel();
        budget->setMethod(AllocationMethod::Uniform);
        budget->capacitySlider()->setValue(16);
        budget->windowSlider()->setValue(4);
        QVERIFY2(budget->plan().has_value(), qPrintable(budget->error()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("HeadScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_compare_probe_test"));
        qputenv("HEADSCOPE_NO_DIALOGS", "1");
        const QString tokenizer = QStringLiteral(HEADSCOPE_TEST_DATA_DIR "/tokenizers/llama3");
        if (!QFileInfo::exists(tokenizer + QStringLiteral("/tokenizer.json")))
            QSKIP("real tokenizers not fetched (CTest fixture 'tokenizers')");
        TestModelSpec spec;
        spec.layers = kLayers;
        spec.hidden = 64;
        spec.heads = kHeads;
        spec.kvHeads = kKvHeads;
        spec.intermediate = 96;
        spec.seed = 3;
        spec.tokenizerDir = tokenizer.toStdString();
        m_model = m_dir.filePath(QStringLiteral("model"));
        writeTestModel(spec, m_model.toStdString());
        TestModelSpec tiny = spec;
        tiny.tokenizerDir.clear();
        tiny.vocab = 256;
        m_tinyVocab = m_dir.filePath(QStringLiteral("tiny_vocab"));
        writeTestModel(tiny, m_tinyVocab.toStdString());

        // The prompt a probe would have fed: haystack, needle, haystack, question.
        const Tokenizer tok = Tokenizer::fromDirectory(tokenizer.toStdString());
        m_ids = tok.encode("In the quiet town of Alderbrook, the annual lantern festival draws visitors from every "
                           "valley nearby, and the bakeries stay open all night.",
                           true);
        m_spanStart = static_cast<int64_t>(m_ids.size());
        for (int32_t id : tok.encode(" The secret password for the festival is ORCHID."))
            m_ids.push_back(id);
        m_spanEnd = static_cast<int64_t>(m_ids.size());
        for (int32_t id : tok.encode(" Children fold paper boats and float them down the river at dawn while the "
                                     "elders sing.\nQuestion: What is the secret password? Answer:"))
            m_ids.push_back(id);
        QVERIFY(m_ids.size() > 40); // longer than the 16-token budget, so compression drops keys
    }

    void comparesOnTheRecordedPromptIds()
    {
        const QString session = m_dir.filePath(QStringLiteral("with_ids.h5"));
        writeSession(session, m_ids, m_spanStart, m_spanEnd, true);
        MainWindow window;
        window.resize(1200, 780);
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        window.engine()->loadCheckpoint(m_model, true);
        QVERIFY(loaded.wait(60000));
        views::ComparePanel* panel = window.comparePanel();
        panel->setPrompt(QStringLiteral("A typed prompt that must not be the one compared"));
        selectProbeTest(window, session);
        if (QTest::currentTestFailed())
            return;
        chooseUniformPlan(window); // after opening: the session's scores switch uniform to HeadKV
        const QString label = QStringLiteral("probe test 0: length %1, depth 50%").arg(m_ids.size());
        QCOMPARE(panel->promptEdit()->text(), label);
        QVERIFY(panel->promptEdit()->isReadOnly());

        QSignalSpy compared(window.engine(), &EngineController::compared);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        panel->runButton()->click();
        QVERIFY(compared.wait(60000));
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.at(0).at(1).toString()));
        const auto r = compared.at(0).at(0).value<std::shared_ptr<const Comparison>>();
        QCOMPARE(r->full.promptIds, m_ids); // the recorded ids, not the typed text
        QCOMPARE(r->promptSource, std::string("probe test 0 of with_ids.h5"));
        QVERIFY(!r->fullTokenTexts.empty());
        QCOMPARE(r->steps.size(), r->fullTokenTexts.size()); // one KL per decode step
        for (const StepComparison& s : r->steps)
            QVERIFY(s.kl >= 0.0);
        QVERIFY(r->top1Agreement >= 0.0 && r->top1Agreement <= 1.0);
        // Needle kept: one count per layer and stored (KV) head, each within the needle.
        QCOMPARE(r->needleLength, int64_t(m_spanEnd - m_spanStart));
        QCOMPARE(r->needleKept.size(), std::size_t(kLayers));
        int64_t kept = 0;
        for (const auto& layer : r->needleKept) {
            QCOMPARE(layer.size(), std::size_t(kKvHeads));
            for (int64_t n : layer) {
                QVERIFY(n >= 0 && n <= r->needleLength);
                kept += n;
            }
        }
        QCOMPARE(r->needleKeptFraction, double(kept) / double(kLayers * kKvHeads * r->needleLength));
        QVERIFY(r->promptText.find("ORCHID") != std::string::npos);

        // The panel shows the same things as for a typed prompt, plus the source and the needle.
        QCOMPARE(window.tabs()->currentWidget(), panel);
        QVERIFY2(panel->summary()->text().startsWith(
                     QStringLiteral("probe test 0 of with_ids.h5, %1 prompt tokens · Compressed: uniform").arg(m_ids.size())),
                 qPrintable(panel->summary()->text()));
        QVERIFY(panel->needleSummary()->isVisibleTo(panel));
        QVERIFY2(panel->needleSummary()->text().startsWith(
                     QStringLiteral("Needle kept by the compressed cache: %1% of its %2 tokens")
                         .arg(100.0 * r->needleKeptFraction, 0, 'f', 1)
                         .arg(r->needleLength)),
                 qPrintable(panel->needleSummary()->text()));
        QVERIFY(panel->promptEdit()->toolTip().contains(QStringLiteral("ORCHID")));
        if (qEnvironmentVariableIsSet("HEADSCOPE_WRITE_SCREENSHOTS")) {
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.statusBar()->showMessage(QStringLiteral("Comparison finished"));
            QVERIFY(window.grab().save(QStringLiteral(HEADSCOPE_SOURCE_DIR "/docs/screenshots/compare_probe_test.png")));
        }

        // Unticking gives the typed prompt back, editable.
        panel->probeTestBox()->setChecked(false);
        QCOMPARE(panel->probeTest(), -1);
        QCOMPARE(panel->promptEdit()->text(), QStringLiteral("A typed prompt that must not be the one compared"));
        QVERIFY(!panel->promptEdit()->isReadOnly());
    }

    void sessionWithoutPromptIdsIsRefusedClearly()
    {
        const QString session = m_dir.filePath(QStringLiteral("without_ids.h5"));
        writeSession(session, m_ids, m_spanStart, m_spanEnd, false);
        MainWindow window;
        selectProbeTest(window, session);
        if (QTest::currentTestFailed())
            return;
        chooseUniformPlan(window); // shape from the session's manifest; no model needed to fail
        QSignalSpy compared(window.engine(), &EngineController::compared);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.comparePanel()->runButton()->click();
        QCOMPARE(errors.count(), 1); // refused on the GUI thread, before the engine is asked
        const QString message = errors.at(0).at(1).toString();
        QVERIFY2(message.contains(session) && message.contains(QStringLiteral("/tests/000000/prompt_ids is missing")),
                 qPrintable(message));
        QCOMPARE(errors.at(0).at(0).toString(), QStringLiteral("Comparing on probe test 0"));
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("prompt_ids")));
        QVERIFY(!window.engine()->isBusy());
        QTest::qWait(50);
        QCOMPARE(compared.count(), 0);
    }

    void idsBeyondTheModelsVocabularyAreRefusedClearly()
    {
        // Recorded with the llama3 vocabulary (ids in the thousands); the loaded model has 256.
        const QString session = m_dir.filePath(QStringLiteral("big_ids.h5"));
        writeSession(session, m_ids, m_spanStart, m_spanEnd, true);
        MainWindow window;
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        window.engine()->loadCheckpoint(m_tinyVocab, true);
        QVERIFY(loaded.wait(60000));
        selectProbeTest(window, session);
        if (QTest::currentTestFailed())
            return;
        chooseUniformPlan(window);
        QSignalSpy compared(window.engine(), &EngineController::compared);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.comparePanel()->runButton()->click();
        QVERIFY(errors.wait(60000));
        const QString message = errors.at(0).at(1).toString();
        QVERIFY2(message.startsWith(QStringLiteral("probe test 0 of big_ids.h5 uses token id ")) &&
                     message.contains(QStringLiteral("vocabulary has 256 ids (0..255)")),
                 qPrintable(message));
        QCOMPARE(compared.count(), 0);
        QVERIFY(!window.engine()->isBusy());
    }
};

QTEST_MAIN(TestCompareProbeTest)
#include "tst_compare_probe_test.moc"
