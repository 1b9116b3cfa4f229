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

using namespace headscope;
using namespace headscope::views;

namespace {
Comparison threeTokens()
{
    Comparison c;
    c.variant = "Compressed: uniform, mean 12.0 + 4 tokens per head";
    c.full.generatedIds = {11, 12, 13};
    c.variantRun.generatedIds = {11, 12, 14};
    c.firstDivergence = 2;
    c.fullTokenTexts = {" eat", " a", " sandwich"};
    c.variantTokenTexts = {" eat", " a", " bagel"};
    c.steps = {{11, 11, 0.001}, {12, 12, 0.02}, {13, 14, 1.3}};
    c.top1Agreement = 2.0 / 3.0;
    c.full.prefillMs = 41.5;
    c.variantRun.prefillMs = 43.0;
    c.full.decodeMsPerToken = 6.2;
    c.variantRun.decodeMsPerToken = 4.1;
    c.full.kvBytes = 4096;
    c.variantRun.kvBytes = 1024;
    return c;
}

TestInfo probeTest(int id, int length, double depth)
{
    TestInfo t;
    t.id = id;
    t.length = length;
    t.depth = depth;
    return t;
}
} // namespace

class TestComparePanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void divergenceIsTheComparisons()
    {
        // Two ids can decode to the same text (e.g. a byte-fallback and a merged token): the
        // divergence is core's, on ids, and the panel must not recompute it from the texts.
        ComparePanel panel;
        Comparison c = threeTokens();
        c.variantRun.generatedIds = {11, 99, 13};
        c.variantTokenTexts = c.fullTokenTexts;
        c.firstDivergence = 1;
        panel.setComparison(c);
        QCOMPARE(panel.divergence(), 1);
        QVERIFY2(panel.summary()->text().contains(QStringLiteral("diverges at generated token 1")),
                 qPrintable(panel.summary()->text()));
        c.firstDivergence.reset();
        c.variantRun.generatedIds = c.full.generatedIds;
        panel.setComparison(c);
        QCOMPARE(panel.divergence(), -1);
        QVERIFY(panel.summary()->text().contains(QStringLiteral("identical output")));
    }

    void showsComparison()
    {
        ComparePanel panel;
        Comparison c = threeTokens();
        c.promptSource = "probe test 3 of run.h5";
        c.full.promptIds = std::vector<int32_t>(812, 1);
        panel.setComparison(c);
        QCOMPARE(panel.divergence(), 2);
        QVERIFY(panel.compressedView()->toHtml().contains(QStringLiteral("bagel")));
        QVERIFY(panel.compressedView()->toHtml().contains(QStringLiteral("#fbd3c0")));
        QCOMPARE(panel.klPlot()->barCount(), 3);
        QCOMPARE(panel.klPlot()->stackedTotal(2), 1.3);
        QVERIFY2(panel.summary()->text().contains(QStringLiteral("KV 4.0 → 1.0 KiB (25.0%)")), qPrintable(panel.summary()->text()));
        QVERIFY(panel.summary()->text().contains(QStringLiteral("diverges at generated token 2")));
        QVERIFY2(panel.summary()->text().startsWith(QStringLiteral(
                     "probe test 3 of run.h5, 812 prompt tokens · Compressed: uniform, mean 12.0 + 4 tokens per head · "
                     "top-1 agreement 66.7% (teacher-forced)")),
                 qPrintable(panel.summary()->text()));
        if (qEnvironmentVariableIsSet("HEADSCOPE_WRITE_SCREENSHOTS")) {
            panel.resize(1100, 600);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            QVERIFY(panel.grab().save(QStringLiteral(HEADSCOPE_SOURCE_DIR "/docs/screenshots/compare.png")));
        }
    }

    void timingOnlyWhenMeasured()
    {
        // One run of each side (the full one cold) is no speed comparison: the summary says
        // timing was not measured. With repeats it gives core's medians and says how they were got.
        ComparePanel panel;
        Comparison c = threeTokens();
        panel.setComparison(c);
        const QString single = panel.summary()->text();
        QVERIFY2(single.contains(QStringLiteral("timing not measured")), qPrintable(single));
        QVERIFY2(!single.contains(QStringLiteral("41.5")) && !single.contains(QStringLiteral("6.20")), qPrintable(single));
        ComparisonTiming t;
        t.repeats = 5;
        t.decodeSteps = 3;
        t.fullPrefillMs = 40.26;
        t.variantPrefillMs = 39.5;
        t.fullDecodeMs = 6.126;
        t.variantDecodeMs = 4.5;
        c.timing = t;
        panel.setComparison(c);
        QVERIFY2(panel.summary()->text().contains(QStringLiteral(
                     "prefill 40.3 → 39.5 ms, decode 6.13 → 4.50 ms/token (median of 5 runs each after a warm-up, 3 decode steps)")),
                 qPrintable(panel.summary()->text()));
        // The request carries the repeats only when "Time runs" is ticked.
        QSignalSpy run(&panel, &ComparePanel::runRequested);
        panel.runButton()->click();
        QCOMPARE(run.at(0).at(2).toInt(), 0);
        panel.timingBox()->setChecked(true);
        panel.runButton()->click();
        QCOMPARE(run.at(1).at(2).toInt(), ComparePanel::kTimingRepeats);
        panel.clearComparison(); // another file opened: no stale result
        QVERIFY(panel.summary()->text().isEmpty());
        QCOMPARE(panel.klPlot()->barCount(), 0);
        QVERIFY(panel.fullView()->toPlainText().isEmpty());
    }

    void probeTestReplacesTheTypedPromptWhileTicked()
    {
        ComparePanel panel;
        panel.setPrompt(QStringLiteral("typed"));
        QVERIFY(!panel.probeTestBox()->isEnabled());
        QCOMPARE(panel.probeTest(), -1);
        panel.setProbeTest(probeTest(7, 300, 50));
        QCOMPARE(panel.probeTest(), -1); // offered, not yet used
        QCOMPARE(panel.promptEdit()->text(), QStringLiteral("typed"));
        panel.probeTestBox()->setChecked(true);
        QCOMPARE(panel.probeTest(), 7);
        QCOMPARE(panel.promptEdit()->text(), QStringLiteral("probe test 7: length 300, depth 50%"));
        QVERIFY(panel.promptEdit()->isReadOnly());
        QCOMPARE(panel.prompt(), QStringLiteral("typed"));
        panel.setProbeTest(probeTest(8, 600, 0)); // another grid cell
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
        Comparison d;
        QVERIFY(ComparePanel::needleReport(d).isEmpty());
        d.needleLength = 6;
        d.needleKept = {{6, 6}, {4, 1}};
        d.needleKeptFraction = 17.0 / 24.0;
        QCOMPARE(ComparePanel::needleReport(d),
                 QStringLiteral("Needle kept by the compressed cache: 70.8% of its 6 tokens over all KV heads · fewest "
                                "1 (L1 KV head 1) · per layer, mean over KV heads: L0 6.0 · L1 2.5"));
        ComparePanel panel;
        d.promptText = "<|begin_of_text|>The password is ORCHID.";
        panel.setComparison(d);
        QVERIFY(panel.needleSummary()->isVisibleTo(&panel));
        QVERIFY(panel.promptEdit()->toolTip().contains(QStringLiteral("&lt;|begin_of_text|&gt;The password is ORCHID.")));
        panel.setComparison(Comparison{});
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
        QCOMPARE(spy.at(0).at(2).toInt(), -1); // the typed prompt, no probe test
        QCOMPARE(panel.maskButton()->text(), QStringLiteral("&Mask 2 heads and re-run"));
        QVERIFY(panel.maskButton()->toolTip().contains(QStringLiteral("L17-H24, L16-H10")));
    }

    void maskLabelNamesThreeHeadsAndIsWhole()
    {
        // The label counts the heads (Alt+M presses it) and is never cut: at the Compare tab's
        // size in a 1200-pixel window the button is as wide as its text needs.
        ComparePanel panel;
        panel.setSelectedHeads({{3, 4}, {2, 0}, {3, 7}});
        QCOMPARE(panel.maskButton()->text(), QStringLiteral("&Mask 3 heads and re-run"));
        QVERIFY(panel.maskButton()->toolTip().contains(QStringLiteral("L3-H4, L2-H0, L3-H7")));
        panel.resize(1180, 640);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QPushButton* mask = panel.maskButton();
        const int textWidth = mask->fontMetrics().horizontalAdvance(QStringLiteral("Mask 3 heads and re-run"));
        QVERIFY2(mask->width() >= mask->sizeHint().width() && mask->width() > textWidth,
                 qPrintable(QStringLiteral("button %1 px, needs %2, text %3").arg(mask->width()).arg(mask->sizeHint().width()).arg(textWidth)));
        QVERIFY(mask->geometry().right() < panel.width());
        // Alt+M is the button's mnemonic, and no other control of the tab claims it.
        QCOMPARE(mask->shortcut(), QKeySequence(Qt::ALT | Qt::Key_M));
        for (QAbstractButton* other : panel.findChildren<QAbstractButton*>())
            QVERIFY2(other == mask || other->shortcut() != mask->shortcut(), qPrintable(other->text()));
    }
};

QTEST_MAIN(TestComparePanel)
#include "tst_compare_panel.moc"
