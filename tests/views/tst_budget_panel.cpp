// BudgetPanel: numbers equal core's allocators; controls change totals; update time.
#include "plots/heatmap_plot.h"
#include "widgets/budget_panel.h"
#include "widgets/param_slider.h"

#include "headscope/core/allocator.h"
#include "headscope/core/score_file.h"

#include <QElapsedTimer>
#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QtTest>

using namespace headscope;
using namespace headscope::views;

namespace {
ScoreMatrix realScores(const char* relative)
{
    const QString path = QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/head_scores/") + QLatin1String(relative);
    if (!QFileInfo::exists(path))
        return {};
    return importScoreFile(path.toStdString()).matrix;
}
} // namespace

class TestBudgetPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesCoreAllocator_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("capacity");
        QTest::addColumn<int>("window");
        QTest::addColumn<double>("beta");
        QTest::newRow("headkv llama3 r2") << "headkv/Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads.json"
                                          << "headkv" << 128 << 8 << 1.2;
        QTest::newRow("dililazykv head_inf") << "dililazykv/head_inf.json" << "dililazykv" << 128 << 16 << 1.351;
        QTest::newRow("pyramid") << "dililazykv/head_inf.json" << "pyramid" << 256 << 8 << 1.5;
        QTest::newRow("uniform") << "dililazykv/head_inf.json" << "uniform" << 64 << 8 << 1.5;
    }

    void matchesCoreAllocator()
    {
        QFETCH(QString, file);
        QFETCH(QString, method);
        QFETCH(int, capacity);
        QFETCH(int, window);
        QFETCH(double, beta);
        const ScoreMatrix scores = realScores(file.toUtf8().constData());
        if (scores.empty())
            QFAIL("head-score file missing from tests/data/head_scores");
        QCOMPARE(scores.layers, 32);
        QCOMPARE(scores.heads, 32);
        BudgetPanel panel;
        panel.setScores(scores);
        panel.setMethod(parseAllocationMethod(method.toStdString()));
        panel.capacitySlider()->setValue(capacity);
        panel.windowSlider()->setValue(window);
        panel.betaSlider()->setValue(beta);
        QVERIFY2(panel.plan().has_value(), qPrintable(panel.error()));
        const AllocationParams p = panel.params();
        QCOMPARE(p.baseCapacity, int64_t{capacity});
        QCOMPARE(p.window, window);
        QCOMPARE(p.beta, beta);
        const BudgetPlan expected = allocateByName(method.toStdString(), &scores, 32, 32, p);
        QCOMPARE(panel.plan()->capacities, expected.capacities);
        QCOMPARE(panel.plan()->logicalTokens(panel.contextLength()), expected.logicalTokens(panel.contextLength()));
        QCOMPARE(panel.heatmap()->value(5, 7), static_cast<double>(expected.at(5, 7)));
        if (method == QLatin1String("dililazykv")) // docs/algorithms.md §3B worked value
            QCOMPARE(expected.totalCapacity(), int64_t{114675});
    }

    void sliderChangesTotals()
    {
        const ScoreMatrix scores = realScores("dililazykv/head_inf.json");
        if (scores.empty())
            QFAIL("head-score file missing from tests/data/head_scores");
        BudgetPanel panel;
        panel.setScores(scores);
        panel.setMethod(AllocationMethod::HeadKv);
        const int64_t before = panel.plan()->totalCapacity();
        const QString label = panel.totalsLabel()->text();
        QSlider* slider = panel.capacitySlider()->slider();
        slider->setValue(slider->value() + 16); // +128 tokens of C
        QCOMPARE(panel.capacitySlider()->value(), 256.0);
        QVERIFY(panel.plan()->totalCapacity() > before);
        QVERIFY(panel.totalsLabel()->text() != label);

        // KV-head granularity: 32 query heads → 8 KV heads, fewer physical bytes than the query layout.
        const int64_t queryBytes = panel.memory()->totalBytes;
        auto* granularity = panel.findChildren<QComboBox*>().at(1);
        granularity->setCurrentIndex(1);
        QCOMPARE(panel.plan()->heads, 8);
        QVERIFY(panel.memory()->totalBytes < queryBytes);
    }

    void updateTimeFor32x32()
    {
        const ScoreMatrix scores = realScores("dililazykv/head_inf.json");
        if (scores.empty())
            QFAIL("head-score file missing from tests/data/head_scores");
        BudgetPanel panel;
        panel.resize(1100, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setScores(scores);
        panel.setMethod(AllocationMethod::DiliLazyKv);
        QElapsedTimer timer;
        timer.start();
        constexpr int kSteps = 20;
        double worst = 0.0;
        for (int i = 0; i < kSteps; ++i) {
            panel.betaSlider()->setValue(1.1 + 0.05 * i);
            QCoreApplication::processEvents(); // include the repaint of both plots
            worst = std::max(worst, panel.lastUpdateMs());
        }
        const double mean = static_cast<double>(timer.nsecsElapsed()) / 1e6 / kSteps;
        qInfo("budget panel update (32x32, dililazykv): mean %.2f ms per slider step incl. repaint, "
              "worst recompute %.2f ms", mean, worst);
        QVERIFY(panel.plan().has_value());
        QCOMPARE(panel.params().beta, 1.1 + 0.05 * (kSteps - 1));
    }

    void exportsBudgetAndScores()
    {
        const ScoreMatrix scores = realScores("dililazykv/head_inf.json");
        if (scores.empty())
            QFAIL("head-score file missing from tests/data/head_scores");
        BudgetPanel panel;
        panel.setScores(scores);
        QTemporaryDir dir;
        QString error;
        const QString budget = dir.filePath(QStringLiteral("budget.json"));
        QVERIFY2(panel.exportBudgetJson(budget, &error), qPrintable(error));
        QVERIFY(QFileInfo(budget).size() > 100);
        const QString heads = dir.filePath(QStringLiteral("heads.json"));
        QVERIFY2(panel.exportHeadScoresJson(heads, &error), qPrintable(error));
        const ImportedScores back = importScoreFile(heads.toStdString());
        QCOMPARE(back.matrix.layers, 32);
        QCOMPARE(back.matrix.values.size(), scores.values.size());
        QVERIFY(!panel.exportBudgetJson(dir.filePath(QStringLiteral("no/such/dir/b.json")), &error));
        QVERIFY(!error.isEmpty());
    }

    void scoreMethodWithoutScoresReportsError()
    {
        BudgetPanel panel;
        panel.setMethod(AllocationMethod::HeadKv);
        QVERIFY(!panel.plan().has_value());
        QVERIFY(panel.error().contains(QStringLiteral("needs head scores")));
    }
};

QTEST_MAIN(TestBudgetPanel)
#include "tst_budget_panel.moc"
