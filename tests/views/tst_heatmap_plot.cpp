// HeatmapPlot and BarPlot: rendering, ranks, tooltips, click selection, export.
#include "plots/bar_plot.h"
#include "plots/heatmap_plot.h"
#include "views/image_checks.h"

#include <qcustomplot.h>

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

    void colorScaleLabelsBothEnds()
    {
        // The lowest and highest colours say what they mean: both ends of the range carry a
        // label (3 significant digits), between the round ticks.
        HeatmapPlot plot;
        const std::vector<double> v = {0.137, 0.52, 0.874, 0.3}; // [2, 2]
        plot.setData(2, 2, v);
        plot.resize(500, 400);
        plot.renderImage(QSize(500, 400));
        const QStringList labels = plot.colorScaleLabels();
        QVERIFY2(labels.size() >= 3, qPrintable(labels.join(QStringLiteral(" | "))));
        QCOMPARE(labels.first(), QStringLiteral("0.137"));
        QCOMPARE(labels.last(), QStringLiteral("0.874"));
        // The round ticks in between: 0.2 … 0.8 by some step, none crowding an end.
        QVERIFY2(labels.contains(QStringLiteral("0.4")) || labels.contains(QStringLiteral("0.5")),
                 qPrintable(labels.join(QStringLiteral(" | "))));

        // Negative minimum (diverging maps).
        const std::vector<double> d = {-0.0423, 0.1, 0.25, 0.3};
        plot.setData(2, 2, d);
        plot.renderImage(QSize(500, 400));
        QCOMPARE(plot.colorScaleLabels().first(), QStringLiteral("-0.0423"));
        QCOMPARE(plot.colorScaleLabels().last(), QStringLiteral("0.3"));

        // A narrow range: as many digits as it takes for the two ends to differ.
        const std::vector<double> n = {0.12301, 0.12304, 0.12306, 0.12309};
        plot.setData(2, 2, n);
        plot.renderImage(QSize(500, 400));
        QCOMPARE(plot.colorScaleLabels().first(), QStringLiteral("0.123"));
        QCOMPARE(plot.colorScaleLabels().last(), QStringLiteral("0.1231")); // 3 digits: both "0.123"
    }

    void ticksOnlyWhereCellsAre()
    {
        // Ticks mark cells on the left and bottom axes only; an empty map shows its hint in a
        // plain frame.
        HeatmapPlot plot;
        QCustomPlot* p = plot.plot();
        QVERIFY(!p->xAxis2->ticks() && !p->yAxis2->ticks());
        plot.setData(0, 0, {});
        QVERIFY(!p->xAxis->ticks() && !p->yAxis->ticks());
        const auto v = ramp(4, 8);
        plot.setData(4, 8, v);
        QVERIFY(p->xAxis->ticks() && p->yAxis->ticks());
        QVERIFY(!p->xAxis2->ticks() && !p->yAxis2->ticks());
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

    void singleColumnAndRowAreDrawn()
    {
        // A session with one context length gives a grid one column wide: every cell must show.
        for (const auto& [rows, cols] : {std::pair{5, 1}, std::pair{1, 4}, std::pair{1, 1}}) {
            HeatmapPlot plot;
            std::vector<double> v(static_cast<std::size_t>(rows * cols));
            for (std::size_t i = 0; i < v.size(); ++i)
                v[i] = static_cast<double>(i) / static_cast<double>(v.size());
            plot.setData(rows, cols, v);
            const QImage image = plot.renderImage(QSize(400, 300));
            for (int r = 0; r < rows; ++r)
                for (int c = 0; c < cols; ++c) {
                    const QColor expected = plot.cellColor(r, c);
                    QVERIFY(expected.isValid());
                    const QColor drawn = image.pixelColor(plot.cellCenter(r, c));
                    QVERIFY2(drawn == expected, qPrintable(QStringLiteral("%1×%2 cell (%3,%4): drawn %5, expected %6")
                                                               .arg(rows).arg(cols).arg(r).arg(c)
                                                               .arg(drawn.name(), expected.name())));
                }
        }
    }

    void exportsAreVectorTitledAndUnselected()
    {
        HeatmapPlot plot;
        const auto v = ramp(4, 4);
        plot.setData(4, 4, v);
        plot.resize(400, 300);
        plot.selectCell(1, 2);
        plot.setExportInfo(QStringLiteral("InfScore — run.h5"), {{QStringLiteral("Gate"), QStringLiteral("rouge1_recall > 50")}});
        QTemporaryDir dir;
        // SVG: one filled shape per cell, no embedded bitmap; the title and metadata travel along.
        const QString svgPath = dir.filePath(QStringLiteral("map.svg"));
        QString error;
        QVERIFY2(plot.exportTo(svgPath, &error), qPrintable(error));
        QFile svg(svgPath);
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(svg.readAll());
        QVERIFY2(!text.contains(QStringLiteral("<image")), "the heatmap is embedded as a bitmap");
        QVERIFY2(text.contains(QStringLiteral("InfScore — run.h5")), "no title in the SVG");
        QVERIFY2(text.contains(QStringLiteral("rouge1_recall &gt; 50")) || text.contains(QStringLiteral("rouge1_recall > 50")),
                 "no metadata in the SVG");
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c)
                QVERIFY2(text.contains(plot.cellColor(r, c).name(), Qt::CaseInsensitive),
                         qPrintable(QStringLiteral("cell (%1,%2) colour %3 not in the SVG").arg(r).arg(c).arg(plot.cellColor(r, c).name())));
        // PNG: no selection frame (its red is nowhere in the image), title and metadata as text.
        const QString pngPath = dir.filePath(QStringLiteral("map.png"));
        QVERIFY2(plot.exportTo(pngPath, &error), qPrintable(error));
        const QImage png(pngPath);
        QCOMPARE(png.text(QStringLiteral("Title")), QStringLiteral("InfScore — run.h5"));
        QCOMPARE(png.text(QStringLiteral("Gate")), QStringLiteral("rouge1_recall > 50"));
        for (int y = 0; y < png.height(); y += 2)
            for (int x = 0; x < png.width(); x += 2)
                QVERIFY2(png.pixel(x, y) != qRgb(255, 40, 40), "the selection frame is in the export");
        // The screen keeps its selection.
        QCOMPARE(plot.selectedRow(), 1);
        QCOMPARE(plot.selectedCol(), 2);
        const QImage screen = plot.renderImage(QSize(400, 300));
        bool red = false;
        for (int y = 0; y < screen.height() && !red; ++y)
            for (int x = 0; x < screen.width() && !red; ++x)
                red = screen.pixel(x, y) == qRgb(255, 40, 40);
        QVERIFY2(red, "the selection frame is not drawn on screen");
    }

    void multiSelectGestures()
    {
        HeatmapPlot plot;
        plot.setMultiSelect(true);
        plot.setData(6, 6, ramp(6, 6));
        plot.resize(500, 400);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.renderImage(plot.canvas()->size());
        QSignalSpy changed(&plot, &HeatmapPlot::selectionChanged);
        QTest::mouseClick(plot.canvas(), Qt::LeftButton, {}, plot.cellCenter(1, 1));
        QTest::mouseClick(plot.canvas(), Qt::LeftButton, Qt::ControlModifier, plot.cellCenter(4, 2));
        QCOMPARE(plot.selectedCells(), (HeatmapPlot::Cells{{1, 1}, {4, 2}}));
        QTest::mouseClick(plot.canvas(), Qt::LeftButton, Qt::ControlModifier, plot.cellCenter(1, 1)); // toggles off
        QCOMPARE(plot.selectedCells(), (HeatmapPlot::Cells{{4, 2}}));
        QTest::mouseClick(plot.canvas(), Qt::LeftButton, Qt::ShiftModifier, plot.cellCenter(5, 3)); // rectangle from (4,2)
        QCOMPARE(plot.selectedCells().size(), 4);
        QCOMPARE(plot.selectedCells().back(), qMakePair(5, 3));
        // A drag selects the rectangle it covers.
        QTest::mousePress(plot.canvas(), Qt::LeftButton, {}, plot.cellCenter(0, 0));
        QMouseEvent move(QEvent::MouseMove, plot.cellCenter(2, 1), plot.canvas()->mapToGlobal(plot.cellCenter(2, 1)),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(plot.canvas(), &move);
        QTest::mouseRelease(plot.canvas(), Qt::LeftButton, {}, plot.cellCenter(2, 1));
        QCOMPARE(plot.selectedCells().size(), 6);
        QVERIFY(plot.selectedCells().contains(qMakePair(1, 0)));
        QCOMPARE(plot.selectedCells().back(), qMakePair(2, 1));
        QVERIFY(changed.count() >= 5);
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
        // The reference line is named in the legend, never as text laid over the bars.
        QVERIFY(bars.legendVisible());
        QCOMPARE(bars.legendEntries(), QStringList({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("uniform")}));
        // Its entries stack at the top of their column, not spread over the plot's height.
        bars.resize(400, 300);
        bars.renderImage(QSize(400, 300));
        const QRect legend = bars.legendRect();
        QVERIFY2(legend.top() < 20 && legend.height() < 3 * 2 * bars.fontMetrics().height() + 24,
                 qPrintable(QStringLiteral("legend at y %1, %2 px high").arg(legend.top()).arg(legend.height())));
        bars.setValueRange(0.0, 1.05);
        QCOMPARE(bars.valueUpper(), 1.05);
    }
};

QTEST_MAIN(TestHeatmapPlot)
#include "tst_heatmap_plot.moc"
