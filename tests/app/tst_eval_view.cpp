// Eval results in the GUI: opening an eval file (written by a real run on a tiny byte-tokenizer
// checkpoint) shows the Eval tab with the file's dataset and one line per method; asking to
// compare an example under a configuration runs the example's recorded prompt ids with the full
// cache and with that configuration's plan rebuilt from the manifest, and the Compare tab shows
// it. Without a loaded model, or without head scores for headkv, it is refused with a message.
#include "controllers/compare_controller.h"
#include "controllers/engine_controller.h"
#include "controllers/session_controller.h"
#include "main_window.h"
#include "plots/accuracy_budget_plot.h"
#include "widgets/compare_panel.h"
#include "widgets/eval_panel.h"

#include "headscope/core/eval_runner.h"
#include "headscope/core/model_config.h"
#include "headscope/engine/engine.h"

#include "fakes/byte_tokenizer.h"

#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace headscope;
using namespace headscope::app;

class TestEvalView : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model, m_results;

    const OpenedDocument* openResults(MainWindow& window)
    {
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        window.openFile(m_results);
        if (!opened.wait(20000))
            return nullptr;
        return window.sessions()->current();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("HeadScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_eval_view"));
        qputenv("HEADSCOPE_NO_DIALOGS", "1");
        m_model = m_dir.filePath(QStringLiteral("model"));
        testing::writeByteTokenizerModel(m_model.toStdString());
        std::string text;
        for (int i = 0; i < 3; ++i)
            text += R"({"input": "The code is 4719. The door is red. What is the code?\n", "answer_prefix": "Answer:", "outputs": ["4719"], "task": "niah_single", "max_length": 80, "max_new_tokens": 6})"
                    "\n";
        Engine engine;
        engine.load(m_model.toStdString());
        const Tokenizer tok = Tokenizer::fromDirectory(m_model.toStdString());
        EvalRunConfig c;
        c.methods = {AllocationMethod::Uniform, AllocationMethod::HeadKv};
        c.budgets = {12, 24};
        c.params.window = 4;
        c.scores = ScoreMatrix{};
        c.scores->layers = 1;
        c.scores->heads = 2;
        c.scores->values = {1.0, 3.0};
        c.scores->provenance = "scores:heads.json";
        m_results = m_dir.filePath(QStringLiteral("results.h5"));
        c.out = m_results.toStdString();
        runEval(engine, tok, parseEvalJsonl(text, "tasks.jsonl"), c);
    }

    void opensInTheEvalTab()
    {
        MainWindow window;
        const OpenedDocument* doc = openResults(window);
        QVERIFY(doc);
        QCOMPARE(doc->kind, OpenedDocument::Kind::Eval);
        QCOMPARE(doc->evalSummary.size(), std::size_t(5)); // full + 2 methods × 2 budgets
        views::EvalPanel* panel = window.evalPanel();
        QCOMPARE(window.tabs()->currentWidget(), panel);
        QCOMPARE(panel->groupBox()->count(), 1);
        QCOMPARE(panel->groupBox()->itemText(0), QStringLiteral("niah_single at 80 tokens"));
        QCOMPARE(panel->plot()->curveCount(), 2);
        QVERIFY(panel->plot()->reference().has_value());
        QVERIFY(panel->title()->text().contains(QStringLiteral("3 of 3 examples")));
    }

    void refusalsNameWhatIsMissing()
    {
        MainWindow window;
        const OpenedDocument* doc = openResults(window);
        QVERIFY(doc);
        CompareController* cc = window.comparisons();
        QSignalSpy failed(cc, &CompareController::failed);
        QVERIFY(!cc->evalJob(*doc->eval, 0, {"uniform", 12}, nullptr, nullptr));
        QVERIFY(failed.last().at(1).toString().contains(QStringLiteral("load the model")));
        const ModelConfig model = loadModelConfig(m_model.toStdString() + "/config.json");
        QVERIFY(!cc->evalJob(*doc->eval, 0, {"headkv", 12}, nullptr, &model));
        QVERIFY(failed.last().at(1).toString().contains(QStringLiteral("scores:heads.json")));
        QVERIFY(!cc->evalJob(*doc->eval, 7, {"uniform", 12}, nullptr, &model));
        QVERIFY(failed.last().at(1).toString().contains(QStringLiteral("no finished example 7")));

        // The job: the recorded ids, the example's answer length, uniform's b = C − w per head.
        const auto job = cc->evalJob(*doc->eval, 1, {"uniform", 12}, nullptr, &model);
        QVERIFY(job);
        QCOMPARE(job->request.promptIds, doc->eval->promptIds(1));
        QCOMPARE(job->request.options.maxNewTokens, 6);
        QCOMPARE(job->request.compression->plan.method, std::string("uniform"));
        QCOMPARE(job->request.compression->plan.window, 4);
        QCOMPARE(job->request.compression->plan.capacities, (std::vector<int64_t>{8, 8}));
        QCOMPARE(job->request.promptSource, std::string("eval example 1 (niah_single) of results.h5, uniform C=12"));
    }

    void comparesAnExampleInTheCompareTab()
    {
        MainWindow window;
        QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
        window.engine()->loadCheckpoint(m_model, true);
        QVERIFY(loaded.wait(60000));
        const OpenedDocument* doc = openResults(window);
        QVERIFY(doc);
        QSignalSpy compared(window.engine(), &EngineController::compared);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        Q_EMIT window.evalPanel()->compareRequested(2, QStringLiteral("uniform"), 12);
        QVERIFY(compared.wait(60000));
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.at(0).at(1).toString()));
        const auto r = compared.at(0).at(0).value<std::shared_ptr<const Comparison>>();
        QCOMPARE(r->full.promptIds, doc->eval->promptIds(2));
        QCOMPARE(r->promptSource, std::string("eval example 2 (niah_single) of results.h5, uniform C=12"));
        QCOMPARE(window.tabs()->currentWidget(), window.comparePanel());
        QVERIFY(window.comparePanel()->summary()->text().startsWith(QStringLiteral("eval example 2")));
    }
};

QTEST_MAIN(TestEvalView)
#include "tst_eval_view.moc"
