// The GUI and the CLI build identical probe prompts for the same settings. A probe started from
// the Probe tab and `headscope-cli probe` with the same grid, haystack and needles, on a
// checkpoint whose tokenizer says "no BOS" (add_bos_token false), must feed the model the same
// token ids test for test and record the same manifest — the tokenizer's policy applied in one
// place (core prepareProbe), not a default in one front end.
#include "cli/cli_process.h"
#include "controllers/engine_controller.h"
#include "main_window.h"
#include "widgets/probe_panel.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/score_file.h" // writeTextFile
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"

#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QtTest>

#include <map>
#include <tuple>

using namespace headscope;
using namespace headscope::app;

namespace {
const char* kNeedles = "{\"needle\": \"The lighthouse code is 5521.\", \"question\": \"What is the lighthouse code?\", "
                       "\"real_needle\": \"5521\"}\n";

using Cell = std::tuple<int, long long, int>; // length, depth ×1e6, needle

std::map<Cell, const SessionTest*> byCell(const SessionReader& reader)
{
    std::map<Cell, const SessionTest*> out;
    for (const SessionTest& t : reader.tests())
        out[{t.length, std::llround(t.depth * 1e6), t.needleIndex}] = &t;
    return out;
}
} // namespace

class TestProbeParity : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model, m_haystack, m_needles;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("HeadScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_probe_parity"));
        qputenv("HEADSCOPE_NO_DIALOGS", "1");
        m_model = m_dir.filePath(QStringLiteral("model"));
        TestModelSpec spec;
        spec.layers = 2;
        spec.hidden = 32;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.intermediate = 48;
        spec.seed = 4;
        spec.byteTokenizer = true;
        writeTestModel(spec, m_model.toStdString());
        // This checkpoint's tokenizer has a BOS token but does not add it to plain prompts.
        writeTextFile((m_model + QStringLiteral("/tokenizer_config.json")).toStdString(),
                      R"({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>", "add_bos_token": false})");
        const Tokenizer tokenizer = Tokenizer::fromDirectory(m_model.toStdString());
        QVERIFY(tokenizer.bosId().has_value());
        QVERIFY(!tokenizer.addsBosByDefault());
        m_haystack = m_dir.filePath(QStringLiteral("haystack"));
        QVERIFY(QDir().mkpath(m_haystack));
        writeTextFile((m_haystack + QStringLiteral("/essay.txt")).toStdString(), syntheticHaystack(21, 6000));
        m_needles = m_dir.filePath(QStringLiteral("needles.jsonl"));
        writeTextFile(m_needles.toStdString(), kNeedles);
    }

    void guiAndCliFeedTheSamePrompts()
    {
        const QString guiOut = m_dir.filePath(QStringLiteral("gui.h5"));
        const QString cliOut = m_dir.filePath(QStringLiteral("cli.h5"));
        {
            MainWindow window;
            QSignalSpy loaded(window.engine(), &EngineController::checkpointLoaded);
            window.engine()->loadCheckpoint(m_model, true);
            QVERIFY(loaded.wait(60000));
            views::ProbePanel* panel = window.probePanel();
            panel->lengthsEdit()->setText(QStringLiteral("300, 420"));
            panel->depthsEdit()->setText(QStringLiteral("25, 75"));
            panel->haystackEdit()->setText(m_haystack);
            panel->needlesEdit()->setPlainText(QString::fromUtf8(kNeedles));
            panel->maxTokensBox()->setValue(3);
            panel->outputEdit()->setText(guiOut);
            QSignalSpy finished(window.engine(), &EngineController::probeFinished);
            QSignalSpy errors(&window, &MainWindow::errorShown);
            panel->startButton()->click();
            QVERIFY(finished.wait(120000));
            QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.at(0).at(1).toString()));
        }
        const CliResult cli = runCli({QStringLiteral("probe"), QStringLiteral("--model_path"), m_model,
                                      QStringLiteral("--haystack_dir"), m_haystack, QStringLiteral("--lengths"),
                                      QStringLiteral("300,420"), QStringLiteral("--depths"), QStringLiteral("0.25,0.75"),
                                      QStringLiteral("--needles"), m_needles, QStringLiteral("--max-new-tokens"),
                                      QStringLiteral("3"), QStringLiteral("--out"), cliOut});
        QVERIFY2(cli.exitCode == 0, cli.err.constData());

        const auto gui = SessionReader::open(guiOut.toStdString());
        const auto cliSession = SessionReader::open(cliOut.toStdString());
        const SessionManifest& g = gui->manifest();
        const SessionManifest& c = cliSession->manifest();
        QCOMPARE(g.addBos, false); // the tokenizer's policy, in both
        QCOMPARE(c.addBos, false);
        QCOMPARE(g.haystack, c.haystack); // "dir PATH sha256=…" in both
        QVERIFY2(g.haystack.find(" sha256=") != std::string::npos, g.haystack.c_str());
        QCOMPARE(g.promptTemplate, c.promptTemplate);
        QCOMPARE(g.chatTemplate, c.chatTemplate);
        QCOMPARE(g.needlesJsonl, c.needlesJsonl);
        QCOMPARE(g.lengths, c.lengths);
        QCOMPARE(g.depths, c.depths);
        const auto guiTests = byCell(*gui);
        const auto cliTests = byCell(*cliSession);
        QCOMPARE(guiTests.size(), std::size_t(4));
        QCOMPARE(cliTests.size(), guiTests.size());
        const int32_t bos = *Tokenizer::fromDirectory(m_model.toStdString()).bosId();
        for (const auto& [cell, test] : guiTests) {
            QVERIFY(cliTests.count(cell));
            const SessionTest* other = cliTests.at(cell);
            const std::vector<int32_t> ids = gui->promptIds(test->id);
            QCOMPARE(ids, cliSession->promptIds(other->id));
            QVERIFY(ids.front() != bos);
            QCOMPARE(test->spanStart, other->spanStart);
            QCOMPARE(test->spanEnd, other->spanEnd);
            QCOMPARE(test->generatedIds, other->generatedIds); // same prompt, same model, same answer
        }
    }
};

QTEST_MAIN(TestProbeParity)
#include "tst_probe_parity.moc"
