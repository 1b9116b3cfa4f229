// RowStats reduction and the per-row / per-test metrics of docs/algorithms.md §1 on hand-built rows
// whose answers were worked out by hand (comments give the arithmetic).
#include "headscope/core/confidence_interval.h"
#include "headscope/core/errors.h"
#include "headscope/core/gates.h"
#include "headscope/core/head_metrics.h"
#include "headscope/core/row_stats.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

using namespace headscope;

class TestRowMetrics : public QObject {
    Q_OBJECT

private:
    static RowMetrics metricsOf(const std::vector<float>& row, NeedleSpan span, int k, int32_t generated = -1,
                                std::vector<int32_t> ids = {})
    {
        const RowStats stats = reduceAttentionRow(row, span, k);
        return computeRowMetrics(stats, span, generated, ids, k);
    }

private Q_SLOTS:
    void mixedRowWithTies()
    {
        // Keys 2,3,6 tie at 0.1: the lower index (2) enters the top-3.
        const std::vector<float> row = {0.05f, 0.3f, 0.1f, 0.1f, 0.2f, 0.05f, 0.1f, 0.05f, 0.03f, 0.02f};
        const NeedleSpan span{2, 5};
        const RowStats s = reduceAttentionRow(row, span, 3);
        QCOMPARE(s.topIndices, (std::vector<int32_t>{1, 4, 2}));
        QCOMPARE(s.top1(), 1);
        QCOMPARE(s.rowLength, int64_t{10});
        QVERIFY(qAbs(s.needleMass - 0.4) < 1e-6);
        QVERIFY(qAbs(s.spanTopMass - 0.3) < 1e-6); // top-3 ∩ span = {4, 2}
        const RowMetrics m = computeRowMetrics(s, span, 7, {}, 3);
        QCOMPARE(m[HeadMetric::Diligent], 2.0);
        QCOMPARE(m[HeadMetric::Distracted], 1.0);
        QCOMPARE(m[HeadMetric::Subconscious], 1.0);
        QCOMPARE(m[HeadMetric::Diffuse], 6.0); // 10 − 3 − 1
        QVERIFY(qAbs(m[HeadMetric::Dili] - 0.5) < 1e-6);   // 0.3 / (0.3 + 0.3)
        QVERIFY(qAbs(m[HeadMetric::Lazy] - 0.75) < 1e-6);  // 0.3 / (0.3 + 0.1)
        QVERIFY(qAbs(m[HeadMetric::Inf] - 0.6) < 1e-6);    // 2·0.5·0.75 / 1.25
        QVERIFY(qAbs(m[HeadMetric::Reasoning] - 0.1) < 1e-6);
        QCOMPARE(m[HeadMetric::Retrieval], 0.0);            // top-1 (key 1) outside the span
        QVERIFY(qAbs(m[HeadMetric::DiffuseMass] - 0.3) < 1e-6);
        QVERIFY(qAbs(m[HeadMetric::SubconsciousMass] - 0.1) < 1e-6);
    }

    void allTiedRowIsDeterministic()
    {
        const std::vector<float> row(10, 0.1f);
        const RowStats s = reduceAttentionRow(row, {5, 8}, 3);
        QCOMPARE(s.topIndices, (std::vector<int32_t>{0, 1, 2}));
        const RowMetrics m = computeRowMetrics(s, {5, 8}, 0, {}, 3);
        QCOMPARE(m[HeadMetric::Diligent], 0.0);
        QCOMPARE(m[HeadMetric::Dili], 0.0);
        QCOMPARE(m[HeadMetric::Lazy], 0.0);
        QCOMPARE(m[HeadMetric::Inf], 0.0);
        QCOMPARE(m[HeadMetric::Subconscious], 3.0);
        QCOMPARE(m[HeadMetric::Diffuse], 4.0); // 10 − 3 − 3
    }

    void needleAtVeryStart()
    {
        const std::vector<float> row = {0.5f, 0.2f, 0.1f, 0.1f, 0.1f};
        const std::vector<int32_t> ids = {42, 7, 1, 2, 3};
        RowMetrics m = metricsOf(row, {0, 2}, 2, 42, ids);
        QCOMPARE(m[HeadMetric::Dili], 1.0);
        QCOMPARE(m[HeadMetric::Lazy], 1.0);
        QCOMPARE(m[HeadMetric::Inf], 1.0);
        QCOMPARE(m[HeadMetric::Retrieval], 0.5); // top-1 = key 0 copies token 42: 1/span_len
        QVERIFY(qAbs(m[HeadMetric::Reasoning] - 0.35) < 1e-6); // 0.7 / 2
        QCOMPARE(m[HeadMetric::Diffuse], 3.0);
        m = metricsOf(row, {0, 2}, 2, 43, ids); // emitted token differs from the attended one
        QCOMPARE(m[HeadMetric::Retrieval], 0.0);
    }

    void needleAtVeryEndAndKLargerThanRow()
    {
        const std::vector<float> row = {0.1f, 0.1f, 0.1f, 0.3f, 0.4f};
        const RowStats s = reduceAttentionRow(row, {3, 5}, 10);
        QCOMPARE(s.topIndices, (std::vector<int32_t>{4, 3, 0, 1, 2})); // K > row length keeps all keys
        const RowMetrics m = computeRowMetrics(s, {3, 5}, 0, {}, 10);
        QCOMPARE(m[HeadMetric::Diligent], 2.0);
        QCOMPARE(m[HeadMetric::Distracted], 3.0);
        QCOMPARE(m[HeadMetric::Subconscious], 0.0);
        QCOMPARE(m[HeadMetric::Diffuse], 0.0);
        QVERIFY(qAbs(m[HeadMetric::Dili] - 0.7) < 1e-6);
        QCOMPARE(m[HeadMetric::Lazy], 1.0);
        QVERIFY(qAbs(m[HeadMetric::Inf] - 1.4 / 1.7) < 1e-6);
        // A span running past the row is clipped for N but R2/copy divide by the stored span length.
        const RowStats clipped = reduceAttentionRow(row, {3, 7}, 10);
        const RowMetrics mc = computeRowMetrics(clipped, {3, 7}, 0, {}, 10);
        QCOMPARE(mc[HeadMetric::Subconscious], 0.0);
        QVERIFY(qAbs(mc[HeadMetric::Reasoning] - 0.7 / 4) < 1e-6);
    }

    void kLargerThanNeedle()
    {
        const std::vector<float> row = {0.05f, 0.4f, 0.3f, 0.1f, 0.05f, 0.1f};
        const RowStats s = reduceAttentionRow(row, {1, 3}, 5);
        QCOMPARE(s.topIndices, (std::vector<int32_t>{1, 2, 3, 5, 0}));
        const RowMetrics m = computeRowMetrics(s, {1, 3}, 0, {}, 5);
        QCOMPARE(m[HeadMetric::Diligent], 2.0);
        QCOMPARE(m[HeadMetric::Distracted], 3.0);
        QCOMPARE(m[HeadMetric::Diffuse], 1.0); // 6 − 2 − 3
        QVERIFY(qAbs(m[HeadMetric::Dili] - 0.7 / 0.95) < 1e-6);
        QCOMPARE(m[HeadMetric::Lazy], 1.0);
        QVERIFY(qAbs(m[HeadMetric::Reasoning] - 0.35) < 1e-6); // top-2 = {1, 2}
    }

    void zeroAttentionNeedle()
    {
        const std::vector<float> row = {0.5f, 0.5f, 0.0f, 0.0f};
        RowMetrics m = metricsOf(row, {2, 4}, 2);
        QCOMPARE(m[HeadMetric::Dili], 0.0);
        QCOMPARE(m[HeadMetric::Lazy], 0.0);
        QCOMPARE(m[HeadMetric::Inf], 0.0);
        QCOMPARE(m[HeadMetric::Reasoning], 0.0);
        m = metricsOf(row, {2, 4}, 3); // a zero-weight needle key enters the top-3 by index order
        QCOMPARE(m[HeadMetric::Diligent], 1.0);
        QCOMPARE(m[HeadMetric::Dili], 0.0);
        QCOMPARE(m[HeadMetric::Lazy], 0.0);
    }

    void reductionMatchesFullSort()
    {
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> level(0, 20); // coarse levels → many ties
        for (int trial = 0; trial < 50; ++trial) {
            std::vector<float> row(200);
            for (auto& v : row) v = static_cast<float>(level(rng)) / 100.0f;
            const NeedleSpan span{static_cast<int64_t>(trial), static_cast<int64_t>(trial + 25)};
            const RowStats s = reduceAttentionRow(row, span, 10);
            std::vector<int32_t> order(row.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return row[a] > row[b]; });
            QCOMPARE(s.topIndices, std::vector<int32_t>(order.begin(), order.begin() + 10));
            double spanTop = 0.0;
            for (int k = 0; k < 25; ++k)
                if (span.contains(order[k])) spanTop += row[order[k]];
            QVERIFY(qAbs(s.spanTopMass - spanTop) < 1e-9);
        }
    }

    void aggregationSumsCopyAndAveragesInf()
    {
        // 1 layer × 2 heads, two scored rows. Head 0 copies at both steps; head 1 never.
        const std::vector<int32_t> ids = {9, 9, 100, 101, 9};
        const NeedleSpan span{2, 4};
        StepStats s0, s1;
        s0.generatedToken = 100;
        s0.rows = {reduceAttentionRow(std::vector<float>{0, 0, 1.0f, 0, 0}, span, 2),
                   reduceAttentionRow(std::vector<float>{0.5f, 0.5f, 0, 0, 0}, span, 2)};
        s1.generatedToken = 101;
        s1.rows = {reduceAttentionRow(std::vector<float>{0, 0, 0, 0.5f, 0.5f, 0}, span, 2),
                   reduceAttentionRow(std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f, 0, 0}, span, 2)};
        const std::vector<StepStats> steps = {s0, s1};
        const TestHeadScores all = scoreTest(steps, 1, 2, span, ids, 2, ScoringMode::AllRows);
        QCOMPARE(all.scoredRows, 2);
        QCOMPARE(all.of(HeadMetric::Retrieval)[0], 1.0);  // 1/2 + 1/2, summed
        QCOMPARE(all.of(HeadMetric::Retrieval)[1], 0.0);
        QCOMPARE(all.of(HeadMetric::Reasoning)[0], 0.75); // (1.0 + 0.5) / 2, summed over rows
        // Head 0, step 1: T = {3, 4}, WTP 0.5, WFP 0.5 → P 0.5, R 1, F 2/3. Step 0: F 1. Mean 5/6.
        QVERIFY(qAbs(all.of(HeadMetric::Inf)[0] - 5.0 / 6.0) < 1e-6);
        QCOMPARE(all.of(HeadMetric::Diligent)[0], 1.0);   // (1 + 1) / 2
        const TestHeadScores last = scoreTest(steps, 1, 2, span, ids, 2, ScoringMode::LastPromptRow);
        QCOMPARE(last.scoredRows, 1);
        QCOMPARE(last.of(HeadMetric::Retrieval)[0], 0.5);
        QCOMPARE(last.of(HeadMetric::Inf)[0], 1.0);
        const ScoreMatrix inf = all.matrix(HeadMetric::Inf);
        QCOMPARE(inf.metric, std::string("inf"));
        QCOMPARE(inf.heads, 2);
    }

    void crossTestAggregationAppliesGate()
    {
        TestHeadScores a, b, c;
        for (TestHeadScores* t : {&a, &b, &c}) {
            t->layers = 1;
            t->heads = 2;
            for (auto& v : t->values) v.assign(2, 0.0);
        }
        a.values[static_cast<int>(HeadMetric::Retrieval)] = {1.0, 0.0};
        b.values[static_cast<int>(HeadMetric::Retrieval)] = {0.5, 0.25};
        c.values[static_cast<int>(HeadMetric::Retrieval)] = {9.0, 9.0}; // fails the gate
        const std::vector<TestHeadScores> tests = {a, b, c};
        const bool gate[] = {passesGate(80.0), passesGate(50.1), passesGate(50.0)};
        const AggregatedScores agg = aggregateTests(tests, HeadMetric::Retrieval, gate);
        QCOMPARE(agg.testsUsed, 2);
        QCOMPARE(agg.matrix.values, (std::vector<double>{0.75, 0.125}));
        QCOMPARE(agg.lists[0], (std::vector<double>{1.0, 0.5}));
        QCOMPARE(agg.matrix.metric, std::string("retrieval"));
        QCOMPARE(aggregateTests(tests, HeadMetric::Retrieval).testsUsed, 3);
        QVERIFY_THROWS_EXCEPTION(UsageError, aggregateTests(tests, HeadMetric::Retrieval, std::span<const bool>(gate, 2)));
    }

    void metricNamesRoundTrip()
    {
        for (HeadMetric m : allHeadMetrics())
            QCOMPARE(parseHeadMetric(headMetricName(m)), m);
        QVERIFY_THROWS_EXCEPTION(UsageError, parseHeadMetric("nonsense"));
        QVERIFY_THROWS_EXCEPTION(UsageError, reduceAttentionRow(std::vector<float>{1.0f}, {0, 1}, 0));
        std::set<std::string_view> labels;
        for (HeadMetric m : allHeadMetrics())
            labels.insert(headMetricLabel(m));
        QCOMPARE(labels.size(), std::size_t(kHeadMetricCount)); // one label per metric, none shared
        QCOMPARE(headMetricLabel(HeadMetric::Inf), std::string_view("InfScore"));
        QCOMPARE(attentionCategoryMetrics(false)[1], HeadMetric::Distracted);
        QCOMPARE(attentionCategoryMetrics(true)[3], HeadMetric::DiffuseMass);
    }

    void confidenceInterval()
    {
        // {1, 2, 3, 4}: mean 2.5, sample variance 5/3, half-width 1.96·√(5/3 / 4).
        const std::vector<double> v = {1, 2, 3, 4};
        QVERIFY(std::abs(ci95HalfWidth(v) - 1.96 * std::sqrt(5.0 / 3.0 / 4.0)) < 1e-12);
        QCOMPARE(ci95HalfWidth(std::vector<double>{7.0}), 0.0);
        QCOMPARE(ci95HalfWidth({}), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestRowMetrics)
#include "tst_row_metrics.moc"
