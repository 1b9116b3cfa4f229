// HeatmapPlot and BarPlot: rendering, ranks, tooltips, click selection, export.
#include "plots/bar_plot.h"
#include "plots/heatmap_plot.h"
#include "views/image_checks.h"

#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <vector>

using namespace headscope::views;
using headscope::testing::distinctColors;

namespace {
std::vector<double> ramp(int rows, int cols)
{
    std::vector<double> v(static_cast<std::size_t>(rows) * cols);
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = std::sin(static_cast<double>(i) * 0.37) * 0.5 + 0.5;
    return v;
}
} // namespace

class TestHeatmapPlot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rendersNonBlank()
    {
        HeatmapPlot plot;
        const auto v = ramp(32, 32);
        plot.setData(32, 32, v);
        const QImage image = plot.renderImage(QSize(640, 480));
        QCOMPARE(image.size(), QSize(640, 480));
        QVERIFY2(distinctColors(image) > 50, qPrintable(QString::number(distinctColors(image))));
    }

    void ranksAndTooltip()
    {
        HeatmapPlot plot;
        const std::vector<double> v = {0.2, 0.7, std::nan(""), 0.4}; // [2, 2]
        const std::vector<double> ci = {0.01, 0.02, 0.0, 0.04};
        plot.setConfidence(ci, 6);
        plot.setData(2, 2, v);
        QCOMPARE(plot.rank(0, 1), 1);
        QCOMPARE(plot.rank(1, 1), 2);
        QCOMPARE(plot.rank(0, 0), 3);
        QCOMPARE(plot.rank(1, 0), 4);
        const QString tip = plot.tooltipText(1, 1);
        QVERIFY2(tip.contains(QStringLiteral("Layer 1, head 1")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("rank 2 of 4")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("0.4 ± 0.04 (95% CI, 6 tests)")), qPrintable(tip));
    }

    void clickSelectsCell()
    {
        HeatmapPlot plot;
        const auto v = ramp(8, 4);
        plot.setData(8, 4, v);
        plot.resize(500, 400);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.renderImage(plot.canvas()->size()); // lay out axes at the widget's size
        QSignalSpy spy(&plot, &HeatmapPlot::cellClicked);
        const QPoint center = plot.cellCenter(5, 2);
        int r = -1;
        int c = -1;
        QVERIFY(plot.cellAt(center, &r, &c));
        QCOMPARE(r, 5);
        QCOMPARE(c, 2);
        QTest::mouseClick(plot.canvas(), Qt::LeftButton, {}, center);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 5);
        QCOMPARE(spy.at(0).at(1).toInt(), 2);
        QCOMPARE(plot.selectedRow(), 5);
        QCOMPARE(plot.selectedCol(), 2);
    }

    void exportsAllFormats()
    {
        HeatmapPlot plot;
        const auto v = ramp(4, 4);
        plot.setData(4, 4, v);
        plot.resize(400, 300);
        QTemporaryDir dir;
        for (const char* suffix : {"png", "svg", "pdf"}) {
            const QString path = dir.filePath(QStringLiteral("plot.") + QLatin1String(suffix));
            QString error;
            QVERIFY2(plot.exportTo(path, &error), qPrintable(error));
            QVERIFY2(QFileInfo(path).size() > 500, suffix);
        }
        QString error;
        QVERIFY(!plot.exportTo(dir.filePath(QStringLiteral("plot.bmpx")), &error));
        QVERIFY(error.contains(QStringLiteral("bmpx")));
    }

    void barPlotStacks()
    {
        BarPlot bars;
        bars.setSeries({{QStringLiteral("a"), Qt::red, {1, 2, 3}}, {QStringLiteral("b"), Qt::blue, {4, 5}}});
        QCOMPARE(bars.barCount(), 3);
        QCOMPARE(bars.stackedTotal(1), 7.0);
        QCOMPARE(bars.stackedTotal(2), 3.0);
        bars.setReferenceLine(2.5, QStringLiteral("uniform"));
        const QImage image = bars.renderImage(QSize(400, 300));
        QVERIFY(distinctColors(image) > 5);
    }
};

QTEST_MAIN(TestHeatmapPlot)
#include "tst_heatmap_plot.moc"
