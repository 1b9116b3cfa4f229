// ProbePanel: grid and needles editors, JSONL round trip with a published needle set, ETA,
// start/cancel signals.
#include "plots/heatmap_plot.h"
#include "widgets/ablation_view.h"
#include "widgets/probe_panel.h"

#include <QHeaderView>
#include <QScrollBar>
#include <QTableWidget>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

#include "headscope/core/errors.h"

using namespace headscope;
using namespace headscope::views;

namespace {
// Each editor is read by core's parser; the error names the field (and the JSONL line).
QString requestError(const ProbePanel& panel)
{
    try {
        (void)panel.request();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}
} // namespace

class TestProbePanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsPublishedNeedlesAndRoundTrips()
    {
        const QString path = QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/needles/reasoning_needles.jsonl");
        if (!QFileInfo::exists(path))
            QFAIL("needle set missing from tests/data/needles");
        ProbePanel panel;
        QString error;
        QVERIFY2(panel.loadNeedles(path, &error), qPrintable(error));
        const ProbeRequest req = panel.request();
        QVERIFY(req.needles.size() >= 2);
        QCOMPARE(req.needles[0].question, std::string("What is the favorite thing of the older one between John and Mary?"));
        QVERIFY(req.needles[0].answer.starts_with("Mary's favorite thing"));
        QCOMPARE(req.lengths, (std::vector<int>{1000, 2000, 4000, 8000}));
        QCOMPARE(req.depths, (std::vector<double>{0, 0.25, 0.5, 0.75, 1.0})); // the editor's percents as fractions
        QCOMPARE(req.haystack.describe(), std::string("synthetic seed=1")); // no file: the CLI's default haystack
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("n.jsonl"));
        QVERIFY2(panel.saveNeedles(out, &error), qPrintable(error));
        ProbePanel other;
        QVERIFY2(other.loadNeedles(out, &error), qPrintable(error));
        const ProbeRequest again = other.request();
        QCOMPARE(again.needles.size(), req.needles.size());
        QCOMPARE(again.needles.back().realNeedle, req.needles.back().realNeedle);
    }

    void everyCliOptionReachesTheRequest()
    {
        // The Probe tab offers what `headscope-cli probe` does; each control lands in the request.
        ProbePanel panel;
        QVERIFY2(panel.haystackHint()->text().contains(QStringLiteral("synthetic prose, seed 1")),
                 qPrintable(panel.haystackHint()->text()));
        panel.seedBox()->setValue(7);
        QVERIFY(panel.haystackHint()->text().contains(QStringLiteral("seed 7")));
        panel.lengthsEdit()->setText(QStringLiteral("300"));
        panel.maxTokensBox()->setValue(9);
        panel.stopAtNewlineBox()->setChecked(true);
        panel.stopAtEosBox()->setChecked(false);
        panel.stopAtAnswerLengthBox()->setChecked(true);
        panel.chatBox()->setChecked(true);
        panel.templateEdit()->setPlainText(QStringLiteral("Q: {question}\n{context}\nA:"));
        panel.modeBox()->setCurrentIndex(1);
        panel.topKBox()->setValue(16);
        panel.storeRowsEdit()->setText(QStringLiteral("0, 3"));
        panel.resumeBox()->setChecked(true);
        panel.maskEdit()->setText(QStringLiteral("1-2, 0-3"));
        ProbeRequest r = panel.request();
        QCOMPARE(r.haystack.describe(), std::string("synthetic seed=7"));
        QCOMPARE(r.maxNewTokens, 9);
        QVERIFY(r.stopAtNewline);
        QVERIFY(!r.stopAtEos);
        QVERIFY(r.stopAtAnswerLength);
        QVERIFY(r.chat);
        QCOMPARE(r.promptTemplate, std::string("Q: {question}\n{context}\nA:"));
        QCOMPARE(r.mode, ScoringMode::LastPromptRow);
        QCOMPARE(r.topK, 16);
        QCOMPARE(r.storeRowsOf, (std::vector<int>{0, 3}));
        QVERIFY(!r.storeRowsOfAll);
        QVERIFY(r.resume);
        QCOMPARE(r.maskedHeads, (std::vector<HeadRef>{{1, 2}, {0, 3}}));
        panel.storeRowsEdit()->setText(QStringLiteral("all"));
        QVERIFY(panel.request().storeRowsOfAll);
        panel.storeRowsEdit()->setText(QStringLiteral("x"));
        QVERIFY(requestError(panel).contains(QStringLiteral("Store full rows of")));
        panel.storeRowsEdit()->clear();
        panel.maskEdit()->setText(QStringLiteral("12"));
        QVERIFY(requestError(panel).contains(QStringLiteral("Mask heads")));
        panel.maskEdit()->clear();

        // A request (e.g. one rebuilt from a session) fills every control back.
        r = panel.request();
        ProbePanel other;
        other.applyRequest(r, QStringLiteral("check the stops"));
        const ProbeRequest again = other.request();
        QCOMPARE(again.lengths, r.lengths);
        QCOMPARE(again.depths, r.depths);
        QCOMPARE(again.haystack, r.haystack);
        QCOMPARE(again.maxNewTokens, r.maxNewTokens);
        QCOMPARE(again.stopAtNewline, r.stopAtNewline);
        QCOMPARE(again.stopAtEos, r.stopAtEos);
        QCOMPARE(again.chat, r.chat);
        QCOMPARE(again.promptTemplate, r.promptTemplate);
        QCOMPARE(again.mode, r.mode);
        QCOMPARE(again.topK, r.topK);
        QCOMPARE(again.resume, r.resume);
        QCOMPARE(again.out, r.out);
        QCOMPARE(again.needles.size(), r.needles.size());
    }

    void runStatusOffersTheSession()
    {
        ProbePanel panel;
        QSignalSpy open(&panel, &ProbePanel::openRequested);
        QVERIFY(!panel.openButton()->isVisibleTo(&panel));
        panel.setRunStatus(QStringLiteral("Cancelled after 3 of 20 tests: 3 kept in run.h5"), QStringLiteral("/tmp/run.h5"));
        QCOMPARE(panel.statusLabel()->text(), QStringLiteral("Cancelled after 3 of 20 tests: 3 kept in run.h5"));
        QVERIFY(panel.openButton()->isVisibleTo(&panel));
        panel.openButton()->click();
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.at(0).at(0).toString(), QStringLiteral("/tmp/run.h5"));
        // Another file opened: the offer stays; that session opened: the button goes, the words stay.
        panel.documentOpened(QStringLiteral("/tmp/other.h5"));
        QVERIFY(panel.openButton()->isVisibleTo(&panel));
        panel.documentOpened(QStringLiteral("/tmp/run.h5"));
        QVERIFY(!panel.openButton()->isVisibleTo(&panel));
        QCOMPARE(panel.statusLabel()->text(), QStringLiteral("Cancelled after 3 of 20 tests: 3 kept in run.h5"));
        panel.setDeviceText(QStringLiteral("cpu (2 threads), f32 — demo_model"));
        QCOMPARE(panel.deviceLabel()->text(), QStringLiteral("cpu (2 threads), f32 — demo_model"));
    }

    void rejectsBadInput()
    {
        ProbePanel panel;
        panel.needlesEdit()->setPlainText(QStringLiteral("{\"needle\": \"x\", \"question\": \"q\"}\n{broken"));
        QString error = requestError(panel);
        QVERIFY2(error.startsWith(QStringLiteral("Needles:2:")), qPrintable(error));
        panel.needlesEdit()->setPlainText(QStringLiteral("{\"needle\": \"x\", \"question\": \"q\"}"));
        panel.depthsEdit()->setText(QStringLiteral("0, 150"));
        error = requestError(panel);
        QVERIFY2(error.contains(QStringLiteral("'150'")), qPrintable(error));
        panel.depthsEdit()->setText(QStringLiteral("50"));
        panel.lengthsEdit()->setText(QStringLiteral("1k"));
        error = requestError(panel);
        QVERIFY2(error.contains(QStringLiteral("'1k'")), qPrintable(error));
        QSignalSpy problems(&panel, &ProbePanel::problem);
        QSignalSpy starts(&panel, &ProbePanel::startRequested);
        panel.startButton()->click();
        QCOMPARE(problems.count(), 1);
        QCOMPARE(starts.count(), 0);
        panel.lengthsEdit()->setText(QStringLiteral("500"));
        panel.startButton()->click();
        QCOMPARE(starts.count(), 1);
    }

    void progressAndEta()
    {
        QCOMPARE(ProbePanel::eta(5, 20, 10.0), QStringLiteral("0:30 left"));
        QCOMPARE(ProbePanel::eta(1, 61, 2.0), QStringLiteral("2:00 left"));
        QCOMPARE(ProbePanel::eta(0, 20, 10.0), QString());
        ProbePanel panel;
        panel.setRunning(true);
        QVERIFY(!panel.startButton()->isEnabled());
        QVERIFY(panel.cancelButton()->isEnabled());
        QSignalSpy cancel(&panel, &ProbePanel::cancelRequested);
        panel.cancelButton()->click();
        QCOMPARE(cancel.count(), 1);
        panel.setProgress(3, 12, 6.0);
        QCOMPARE(panel.progressBar()->value(), 3);
        QCOMPARE(panel.progressBar()->maximum(), 12);
        ScoreMatrix snapshot;
        snapshot.layers = 2;
        snapshot.heads = 3;
        snapshot.values = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
        panel.showSnapshot(snapshot);
        QCOMPARE(panel.liveHeatmap()->value(1, 2), 0.6);
    }

    void ablationTableIsLongFormAndFits()
    {
        // One row per subset and gate, six columns: two gates and three subsets fit in the pane
        // beside the live heatmap without a horizontal scroll bar.
        AblationSummary s;
        s.basePath = QStringLiteral("/tmp/walk_probe.h5");
        s.maskedPath = QStringLiteral("/tmp/walk_probe_without_3_heads.h5");
        s.heads = QStringLiteral("L3-H4, L2-H0, L3-H7");
        s.gates = {QStringLiteral("rouge1_recall"), QStringLiteral("qa_f1")};
        s.rows = {{QStringLiteral("all"), 5, {100.0, 84.5}, {50.0, 71.7}},
                  {QStringLiteral("length 256"), 5, {100.0, 84.5}, {50.0, 71.7}},
                  {QStringLiteral("depth 50%"), 5, {100.0, 84.5}, {100.0, 90.0}}};
        AblationView view;
        view.setSummary(s);
        QTableWidget* t = view.table();
        QCOMPARE(t->columnCount(), 6);
        QCOMPARE(t->rowCount(), 6);
        QStringList headers;
        for (int c = 0; c < t->columnCount(); ++c)
            headers << t->horizontalHeaderItem(c)->text();
        QCOMPARE(headers, QStringList({QStringLiteral("Subset"), QStringLiteral("Tests"), QStringLiteral("Gate"),
                                       QStringLiteral("Session"), QStringLiteral("Masked"), QStringLiteral("Δ")}));
        QCOMPARE(t->item(1, 0)->text(), QStringLiteral("all"));
        QCOMPARE(t->item(1, 2)->text(), QStringLiteral("qa_f1"));
        QCOMPARE(t->item(0, 5)->text(), QStringLiteral("-50.0"));
        QCOMPARE(t->item(1, 5)->text(), QStringLiteral("-12.8"));
        QCOMPARE(t->item(5, 5)->text(), QStringLiteral("+5.5"));
        QCOMPARE(t->item(4, 5)->text(), QStringLiteral("0.0"));
        view.resize(470, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY2(t->horizontalHeader()->length() <= t->viewport()->width(),
                 qPrintable(QStringLiteral("columns %1 px, viewport %2 px").arg(t->horizontalHeader()->length()).arg(t->viewport()->width())));
        QVERIFY(view.headline()->text().contains(QStringLiteral("walk_probe_without_3_heads.h5")));
    }
};

QTEST_MAIN(TestProbePanel)
#include "tst_probe_panel.moc"
