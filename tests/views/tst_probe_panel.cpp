// ProbePanel: grid and needles editors, JSONL round trip with a published needle set, ETA,
// start/cancel signals.
#include "plots/heatmap_plot.h"
#include "widgets/probe_panel.h"

#include <QLineEdit>
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
        QCOMPARE(panel.device(), QStringLiteral("cpu"));
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("n.jsonl"));
        QVERIFY2(panel.saveNeedles(out, &error), qPrintable(error));
        ProbePanel other;
        QVERIFY2(other.loadNeedles(out, &error), qPrintable(error));
        const ProbeRequest again = other.request();
        QCOMPARE(again.needles.size(), req.needles.size());
        QCOMPARE(again.needles.back().realNeedle, req.needles.back().realNeedle);
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
};

QTEST_MAIN(TestProbePanel)
#include "tst_probe_panel.moc"
