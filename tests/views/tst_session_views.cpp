// Session views over a test-written session: gate/threshold/subset re-aggregation, the needle
// grid and per-test detail, category small multiples and statistics.
#include "session_fixture.h"

#include "plots/attention_row_plot.h"
#include "plots/heatmap_plot.h"
#include "widgets/category_panel.h"
#include "widgets/needle_grid_panel.h"
#include "widgets/param_slider.h"
#include "widgets/scores_panel.h"
#include "widgets/session_filter_panel.h"
#include "widgets/statistics_panel.h"
#include "views/image_checks.h"

#include <QComboBox>
#include <QListWidget>
#include <QSpinBox>
#include <QTextBrowser>
#include <QtTest>

using namespace headscope;
using headscope::testing::distinctColors;
using namespace headscope::views;

namespace {
QString screenshotDir()
{
    static QTemporaryDir tmp;
    return qEnvironmentVariableIsSet("HEADSCOPE_WRITE_SCREENSHOTS") ? QStringLiteral(HEADSCOPE_SOURCE_DIR "/docs/screenshots")
                                                                    : tmp.path();
}

QImage shoot(QWidget& w, const QString& name, QSize size = QSize(1280, 760))
{
    w.resize(size);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return {};
    QCoreApplication::processEvents();
    const QImage image = w.grab().toImage();
    image.save(QDir(screenshotDir()).filePath(name));
    return image;
}
} // namespace

class TestSessionViews : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gateSliderChangesHeatmap()
    {
        SessionFilterPanel filters;
        ScoresPanel scores;
        connect(&filters, &SessionFilterPanel::scoreSetChanged, &scores, &ScoresPanel::setScoreSet);
        filters.setSource(fixture::makeSession());
        QCOMPARE(filters.gateBox()->currentText(), QStringLiteral("rouge1_recall"));
        // Threshold 50: the 13 passing tests (lengths 1000, 2000, and 4000 at depth < 60).
        QCOMPARE(filters.acceptedTests(), 13);
        const double gated = scores.heatmap()->value(5, 3);
        QVERIFY2(gated > 0.8, qPrintable(QString::number(gated)));
        filters.thresholdSlider()->setValue(0); // every test, failing ones dilute the retrieval head
        QCOMPARE(filters.acceptedTests(), 20);
        const double all = scores.heatmap()->value(5, 3);
        QVERIFY2(all < gated - 0.2, qPrintable(QString::number(all)));
        QVERIFY(scores.heatmap()->tooltipText(5, 3).contains(QStringLiteral("20 tests")));
    }

    void subsetFiltersReaggregate()
    {
        SessionFilterPanel filters;
        filters.setSource(fixture::makeSession());
        filters.thresholdSlider()->setValue(0);
        QCOMPARE(filters.lengthList()->count(), 4);
        QCOMPARE(filters.depthList()->count(), 5);
        filters.lengthList()->item(3)->setCheckState(Qt::Unchecked); // drop 8000
        QCOMPARE(filters.acceptedTests(), 15);
        filters.depthList()->item(0)->setCheckState(Qt::Unchecked); // drop depth 0
        QCOMPARE(filters.acceptedTests(), 12);
        const MetricMap* inf = filters.scoreSet().find(HeadMetric::Inf);
        QVERIFY(inf);
        QCOMPARE(inf->tests, 12);
        for (int i = 0; i < filters.lengthList()->count(); ++i)
            filters.lengthList()->item(i)->setCheckState(Qt::Unchecked);
        QCOMPARE(filters.acceptedTests(), 0);
    }

    void needleGridOpensTest()
    {
        auto session = fixture::makeSession();
        NeedleGridPanel panel;
        panel.setSource(session);
        QCOMPARE(panel.grid()->rows(), 5);  // depths
        QCOMPARE(panel.grid()->cols(), 4);  // lengths
        // Depth 50, length 8000 fails: rouge = 20 + 5.
        QCOMPARE(panel.grid()->value(2, 3), 25.0);
        QCOMPARE(panel.grid()->value(1, 0), 100.0 - 2.5);
        const int id = panel.openCell(2, 1);
        QCOMPARE(id, 9); // row-major over depth then length
        QCOMPARE(panel.currentTest(), 9);
        QVERIFY(panel.details()->toPlainText().contains(QStringLiteral("Dolores Park")));
        QVERIFY(panel.details()->toPlainText().contains(QStringLiteral("San Francisco")));
        QCOMPARE(panel.testHeatmap()->value(5, 3), session->testScores(9, HeadMetric::Inf).at(5, 3));
        // The strongest head is selected by default and its row has the needle shaded.
        QCOMPARE(panel.testHeatmap()->selectedRow(), 5);
        QCOMPARE(panel.testHeatmap()->selectedCol(), 3);
        const auto row = session->attentionRow(9, 0, 5, 3);
        QVERIFY(row.has_value());
        double expectedMass = 0.0;
        for (int k = row->needleBegin; k < row->needleEnd; ++k)
            expectedMass += row->weights[static_cast<std::size_t>(k)];
        QCOMPARE(panel.rowPlot()->needleMass(), expectedMass);
        QVERIFY(expectedMass >= 0.5); // the retrieval head's spike sits in the needle
        QVERIFY2(panel.details()->toPlainText().contains(QStringLiteral("[sandwich2]")), qPrintable(panel.details()->toPlainText()));
        const QImage image = shoot(panel, QStringLiteral("needle_grid.png"));
        QVERIFY(distinctColors(image) > 100);
    }

    void categoryView()
    {
        SessionFilterPanel filters;
        filters.setSource(fixture::makeSession());
        std::array<ScoreMatrix, CategoryPanel::kCategories> maps;
        const std::array<HeadMetric, 4> ids = attentionCategoryMetrics(false);
        for (std::size_t c = 0; c < ids.size(); ++c)
            maps[c] = filters.scoreSet().find(ids[c])->matrix;
        CategoryPanel panel;
        panel.setCategories(maps, QStringLiteral("count"));
        QVERIFY(panel.sharedUpper() > panel.sharedLower());
        const QImage image = shoot(panel, QStringLiteral("categories.png"));
        QVERIFY(distinctColors(image) > 100);
    }

    void statistics()
    {
        auto session = fixture::makeSession();
        StatisticsPanel panel;
        panel.setSource(session);
        AggregateQuery base;
        base.gate = 0;
        base.threshold = 50;
        panel.setBaseQuery(base);
        panel.topK()->setValue(2);
        // Top-2 is {(5,3), (6,1)} for every length with accepted tests; 8000 has none.
        QCOMPARE(panel.lengthJaccard(), (std::vector<double>{1.0, 1.0, 1.0, 0.0}));
        QCOMPARE(panel.depthJaccard().size(), std::size_t{5});
        QCOMPARE(panel.depthJaccard()[0], 1.0);
        panel.metricB()->setCurrentIndex(0); // same metric on both sides
        QCOMPARE(panel.spearmanRho(), 1.0);
        panel.metricB()->setCurrentIndex(1);
        QVERIFY(panel.spearmanRho() > 0.0 && panel.spearmanRho() < 1.0);
        const QImage image = shoot(panel, QStringLiteral("statistics.png"), QSize(1100, 500));
        QVERIFY(distinctColors(image) > 20);
    }
};

QTEST_MAIN(TestSessionViews)
#include "tst_session_views.moc"
