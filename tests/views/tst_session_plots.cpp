// AttentionRowPlot and CategoryPanel render from fixtures and compute what they show.
#include "plots/attention_row_plot.h"
#include "plots/bar_plot.h"
#include "plots/heatmap_plot.h"
#include "widgets/category_panel.h"
#include "views/image_checks.h"

#include <QSignalSpy>
#include <QtTest>

#include <cmath>

using namespace headscope;
using headscope::testing::distinctColors;
using namespace headscope::views;

namespace {
AttentionRow fixtureRow()
{
    AttentionRow row;
    const int keys = 200;
    row.weights.assign(keys, 0.5f / keys);
    row.weights[120] += 0.3f;
    row.weights[121] += 0.1f;
    row.weights[7] += 0.1f;
    row.needleBegin = 118;
    row.needleEnd = 125;
    row.topIndices = {120, 121, 7};
    row.topWeights = {row.weights[120], row.weights[121], row.weights[7]};
    for (int i = 0; i < keys; ++i)
        row.tokens << QStringLiteral(" t%1").arg(i);
    return row;
}
} // namespace

class TestSessionPlots : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void attentionRowFullRow()
    {
        AttentionRowPlot plot;
        plot.setRow(fixtureRow());
        QVERIFY(plot.showsFullRow());
        QCOMPARE(plot.plottedPositions(), 200);
        QCOMPARE(plot.modeLabel(), QStringLiteral("full row (200 positions)"));
        // 7 needle keys × 0.0025 + 0.3 + 0.1
        QVERIFY(std::abs(plot.needleMass() - (7 * 0.0025 + 0.4)) < 1e-6);
        const QStringList lines = plot.hottestContexts(2, 1);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], QStringLiteral("120: t119 [t120] t121"));
        plot.zoomTo(100, 140);
        QCOMPARE(plot.visibleFrom(), 100.0);
        QCOMPARE(plot.visibleTo(), 140.0);
        const QImage image = plot.renderImage(QSize(700, 300));
        QCOMPARE(image.size(), QSize(700, 300));
        QVERIFY(distinctColors(image) > 10);
    }

    void attentionRowTopKOnly()
    {
        AttentionRow row = fixtureRow();
        row.weights.clear();
        row.keys = 200;
        AttentionRowPlot plot;
        plot.setRow(row);
        QVERIFY(!plot.showsFullRow());
        QCOMPARE(plot.plottedPositions(), 3);
        QCOMPARE(plot.modeLabel(), QStringLiteral("top-K only (session stores no full rows)"));
        QVERIFY(std::abs(plot.needleMass() - (0.3 + 0.1 + 2 * 0.0025)) < 1e-6);
        QCOMPARE(plot.visibleTo(), 199.5);
        QVERIFY(distinctColors(plot.renderImage(QSize(500, 250))) > 5);
    }

    void topKLegendNamesTheProbesK()
    {
        // Sessions keep more top entries than K when the needle is longer (11 here, K = 10):
        // the legend names the probe's K and only K keys are marked.
        AttentionRow row = fixtureRow();
        row.topIndices.clear();
        row.topWeights.clear();
        for (int i = 0; i < 11; ++i) {
            row.topIndices.push_back(110 + i);
            row.topWeights.push_back(row.weights[static_cast<std::size_t>(110 + i)]);
        }
        row.topK = 10;
        AttentionRowPlot plot;
        plot.setRow(row);
        QStringList legend = plot.legendEntries();
        QVERIFY2(legend.contains(QStringLiteral("top-K (K = 10)")), qPrintable(legend.join(QStringLiteral(" | "))));
        QVERIFY2(!legend.join(QLatin1Char(' ')).contains(QStringLiteral("11")), qPrintable(legend.join(QStringLiteral(" | "))));
        QCOMPARE(legend.first(), QStringLiteral("full row"));

        // Top-K only: the stored entries are drawn as spikes, K of them marked.
        row.weights.clear();
        row.keys = 200;
        plot.setRow(row);
        legend = plot.legendEntries();
        QCOMPARE(legend, QStringList({QStringLiteral("stored top-K"), QStringLiteral("top-K (K = 10)")}));
        QCOMPARE(plot.plottedPositions(), 11);
    }

    void categoriesShareOneScale()
    {
        std::array<ScoreMatrix, CategoryPanel::kCategories> maps;
        for (int c = 0; c < CategoryPanel::kCategories; ++c) {
            maps[c].layers = 4;
            maps[c].heads = 8;
            for (int i = 0; i < 32; ++i)
                maps[c].values.push_back((c + 1) * (i % 5));
        }
        CategoryPanel panel;
        panel.setCategories(maps, QStringLiteral("count"));
        QCOMPARE(panel.sharedLower(), 0.0);
        QCOMPARE(panel.sharedUpper(), 16.0);
        // layer 0 of category 1: values 2·(0,1,2,3,4,0,1,2) → mean 13/8·2
        QCOMPARE(panel.layerSummary()->stackedTotal(0), (1 + 2 + 3 + 4) * 13.0 / 8.0);
        QSignalSpy spy(&panel, &CategoryPanel::headSelected);
        panel.resize(900, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        HeatmapPlot* map = panel.heatmap(2);
        map->renderImage(map->canvas()->size());
        QTest::mouseClick(map->canvas(), Qt::LeftButton, {}, map->cellCenter(2, 5));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(panel.heatmap(0)->selectedRow(), 2);
        QCOMPARE(panel.heatmap(3)->selectedCol(), 5);
        QVERIFY(distinctColors(panel.grab().toImage()) > 50);
    }
};

QTEST_MAIN(TestSessionPlots)
#include "tst_session_plots.moc"
