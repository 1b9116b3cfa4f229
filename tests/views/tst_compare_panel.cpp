// ComparePanel: divergence, highlighted text, KL plot, summary, mask-and-rerun.
#include "plots/bar_plot.h"
#include "widgets/compare_panel.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTextBrowser>
#include <QtTest>

using namespace headscope::views;

class TestComparePanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void divergence()
    {
        const QStringList a = {QStringLiteral(" eat"), QStringLiteral(" a"), QStringLiteral(" sandwich")};
        QCOMPARE(ComparePanel::firstDivergence(a, a), -1);
        QCOMPARE(ComparePanel::firstDivergence(a, {QStringLiteral(" eat"), QStringLiteral(" the")}), 1);
        QCOMPARE(ComparePanel::firstDivergence(a, {QStringLiteral(" eat")}), 1);
    }

    void showsComparison()
    {
        ComparePanel panel;
        ComparisonData d;
        d.fullTokens = {QStringLiteral(" eat"), QStringLiteral(" a"), QStringLiteral(" sandwich")};
        d.compressedTokens = {QStringLiteral(" eat"), QStringLiteral(" a"), QStringLiteral(" bagel")};
        d.klPerStep = {0.001, 0.02, 1.3};
        d.fullPrefillMs = 41.5;
        d.compressedPrefillMs = 43.0;
        d.fullDecodeMsPerToken = 6.2;
        d.compressedDecodeMsPerToken = 4.1;
        d.fullKvBytes = 4096;
        d.compressedKvBytes = 1024;
        d.label = QStringLiteral("test 3");
        panel.setComparison(d);
        QCOMPARE(panel.divergence(), 2);
        QVERIFY(panel.compressedView()->toHtml().contains(QStringLiteral("bagel")));
        QVERIFY(panel.compressedView()->toHtml().contains(QStringLiteral("#fbd3c0")));
        QCOMPARE(panel.klPlot()->barCount(), 3);
        QCOMPARE(panel.klPlot()->stackedTotal(2), 1.3);
        QVERIFY2(panel.summary()->text().contains(QStringLiteral("KV 4.0 → 1.0 KiB (25.0%)")), qPrintable(panel.summary()->text()));
        QVERIFY(panel.summary()->text().contains(QStringLiteral("diverges at generated token 2")));
        if (qEnvironmentVariableIsSet("HEADSCOPE_WRITE_SCREENSHOTS")) {
            panel.resize(1100, 600);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            QVERIFY(panel.grab().save(QStringLiteral(HEADSCOPE_SOURCE_DIR "/docs/screenshots/compare.png")));
        }
    }

    void probeTestReplacesTheTypedPromptWhileTicked()
    {
        ComparePanel panel;
        panel.setPrompt(QStringLiteral("typed"));
        QVERIFY(!panel.probeTestBox()->isEnabled());
        QCOMPARE(panel.probeTest(), -1);
        panel.setProbeTest(7, QStringLiteral("probe test 7: length 300, depth 50%"));
        QCOMPARE(panel.probeTest(), -1); // offered, not yet used
        QCOMPARE(panel.promptEdit()->text(), QStringLiteral("typed"));
        panel.probeTestBox()->setChecked(true);
        QCOMPARE(panel.probeTest(), 7);
        QCOMPARE(panel.promptEdit()->text(), QStringLiteral("probe test 7: length 300, depth 50%"));
        QVERIFY(panel.promptEdit()->isReadOnly());
        QCOMPARE(panel.prompt(), QStringLiteral("typed"));
        panel.setProbeTest(8, QStringLiteral("probe test 8: length 600, depth 0%")); // another grid cell
        QCOMPARE(panel.probeTest(), 8);
        QCOMPARE(panel.promptEdit()->text(), QStringLiteral("probe test 8: length 600, depth 0%"));
        panel.clearProbeTest(); // a new session was opened
        QCOMPARE(panel.probeTest(), -1);
        QVERIFY(!panel.probeTestBox()->isEnabled());
        QCOMPARE(panel.promptEdit()->text(), QStringLiteral("typed"));
        QVERIFY(!panel.promptEdit()->isReadOnly());
    }

    void needleReport()
    {
        ComparisonData d;
        QVERIFY(ComparePanel::needleReport(d).isEmpty());
        d.needleLength = 6;
        d.needleKept = {{6, 6}, {4, 1}};
        d.needleKeptFraction = 17.0 / 24.0;
        QCOMPARE(ComparePanel::needleReport(d),
                 QStringLiteral("Needle kept by the compressed cache: 70.8% of its 6 tokens over all KV heads · fewest "
                                "1 (L1 KV head 1) · per layer, mean over KV heads: L0 6.0 · L1 2.5"));
        ComparePanel panel;
        d.promptText = QStringLiteral("<|begin_of_text|>The password is ORCHID.");
        panel.setComparison(d);
        QVERIFY(panel.needleSummary()->isVisibleTo(&panel));
        QVERIFY(panel.promptEdit()->toolTip().contains(QStringLiteral("&lt;|begin_of_text|&gt;The password is ORCHID.")));
        panel.setComparison(ComparisonData{});
        QVERIFY(!panel.needleSummary()->isVisibleTo(&panel));
    }

    void maskAndRerun()
    {
        ComparePanel panel;
        QVERIFY(!panel.maskButton()->isEnabled());
        panel.setSelectedHeads({{17, 24}, {16, 10}});
        QVERIFY(panel.maskButton()->isEnabled());
        QSignalSpy spy(&panel, &ComparePanel::maskAndRerunRequested);
        panel.maskButton()->click();
        QCOMPARE(spy.count(), 1);
        const auto heads = spy.at(0).at(0).value<QList<QPair<int, int>>>();
        QCOMPARE(heads.size(), 2);
        QCOMPARE(heads[0].first, 17);
        QCOMPARE(heads[1].second, 10);
    }
};

QTEST_MAIN(TestComparePanel)
#include "tst_compare_panel.moc"
