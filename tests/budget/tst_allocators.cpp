// Allocators against the worked values of docs/algorithms.md §3A (HeadKV table), §3B (DiliLazyKV
// key-mapped plans) and §4C (PyramidKV), plus Ada-KV on hand-built scores.
#include "headscope/core/allocator.h"
#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <filesystem>

using namespace headscope;
namespace fs = std::filesystem;

namespace {
const fs::path kScores = fs::path(HEADSCOPE_TEST_FIXTURES_DIR) / "head_scores";

struct Summary {
    int64_t min = 0, max = 0, sum = 0;
    double median = 0;
};

ScoreMatrix matrixOf(int layers, int heads, std::vector<double> values)
{
    ScoreMatrix m;
    m.layers = layers;
    m.heads = heads;
    m.values = std::move(values);
    return m;
}

Summary summarize(const BudgetPlan& plan)
{
    std::vector<int64_t> caps = plan.capacities;
    std::sort(caps.begin(), caps.end());
    Summary s;
    s.min = caps.front();
    s.max = caps.back();
    for (int64_t c : caps) s.sum += c;
    const std::size_t n = caps.size();
    s.median = n % 2 ? static_cast<double>(caps[n / 2]) : (caps[n / 2 - 1] + caps[n / 2]) / 2.0;
    return s;
}
} // namespace

class TestAllocators : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void headKvWorkedTable_data()
    {
        QTest::addColumn<double>("beta");
        QTest::addColumn<qint64>("minCap");
        QTest::addColumn<qint64>("maxCap");
        QTest::newRow("beta 1.005") << 1.005 << qint64(1) << qint64(1835);
        QTest::newRow("beta 1.2") << 1.2 << qint64(20) << qint64(1561);
        QTest::newRow("beta 1.5") << 1.5 << qint64(40) << qint64(1273);
    }
    void headKvWorkedTable()
    {
        QFETCH(double, beta);
        QFETCH(qint64, minCap);
        QFETCH(qint64, maxCap);
        const auto scores = importScoreFile(kScores / "headkv" / "Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads.json");
        AllocationParams p;
        p.baseCapacity = 128;
        p.window = 8;
        p.beta = beta;
        const BudgetPlan plan = allocateHeadKv(scores.matrix, p);
        const Summary s = summarize(plan);
        QCOMPARE(s.min, minCap);
        QCOMPARE(s.max, maxCap);
        if (beta == 1.005) QCOMPARE(s.median, 13.0);
        QCOMPARE(plan.at(15, 30), maxCap); // the top R2 head gets the largest budget
        // Σ cap ≈ L·H·b: pool + L·H·min, up to rounding of 1024 values.
        QVERIFY(qAbs(static_cast<double>(s.sum) - 1024.0 * 120) <= 512);
        QCOMPARE(plan.window, 8);
        QCOMPARE(plan.method, std::string("headkv"));
    }

    void diliLazyKvKeyMapped_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<qint64>("maxCap");
        QTest::addColumn<double>("median");
        QTest::addColumn<qint64>("sum");
        QTest::newRow("llama reason (lazy)") << "Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads.json" << qint64(323) << 72.0
                                             << qint64(114638);
        QTest::newRow("head_inf") << "head_inf.json" << qint64(1172) << 45.0 << qint64(114675);
    }
    void diliLazyKvKeyMapped()
    {
        QFETCH(QString, file);
        QFETCH(qint64, maxCap);
        QFETCH(double, median);
        QFETCH(qint64, sum);
        const auto scores = importScoreFile(kScores / "dililazykv" / file.toStdString());
        AllocationParams p;
        p.baseCapacity = 128;
        p.window = 16;
        p.beta = 1.351;
        const BudgetPlan plan = allocateDiliLazyKv(scores.matrix, p);
        const Summary s = summarize(plan);
        QCOMPARE(s.min, qint64(30));
        QCOMPARE(s.max, maxCap);
        QCOMPARE(s.median, median);
        QCOMPARE(s.sum, sum);
    }

    void diliLazyKvZeroScoresRoundHalfToEven()
    {
        // head_inf.json: 39 heads score exactly 0 → 30.5 before rounding → 30 (half-to-even).
        const auto scores = importScoreFile(kScores / "dililazykv" / "head_inf.json");
        AllocationParams p;
        p.window = 16;
        p.beta = 1.351;
        const BudgetPlan plan = allocateDiliLazyKv(scores.matrix, p);
        int zeros = 0;
        for (std::size_t i = 0; i < plan.capacities.size(); ++i)
            if (scores.matrix.values[i] == 0.0) {
                ++zeros;
                QCOMPARE(plan.capacities[i], int64_t{30});
            }
        QCOMPARE(zeros, 39);
        QCOMPARE(roundHalfEven(30.5), int64_t{30});
        QCOMPARE(roundHalfEven(31.5), int64_t{32});
        QCOMPARE(roundHalfEven(-0.5), int64_t{0});
    }

    void pyramidSchedule()
    {
        AllocationParams p;
        p.baseCapacity = 128;
        p.window = 8;
        const BudgetPlan plan = allocatePyramid(32, 4, p);
        QCOMPARE(plan.at(0, 0), int64_t{234});
        QCOMPARE(plan.at(0, 3), int64_t{234});
        QCOMPARE(plan.at(1, 0), int64_t{227});
        QCOMPARE(plan.at(31, 2), int64_t{17});
        QCOMPARE(plan.logicalTokens(), (plan.totalCapacity() + 32 * 4 * 8));
        // Σ over layers: 32·234 − 7·(0+…+31) = 7488 − 3472 = 4016 per head.
        QCOMPARE(plan.totalCapacity(), int64_t{4016 * 4});
        // KVCache-Factory prompt-length conditions.
        p.promptLength = 100; // < C: nothing compressed
        QCOMPARE(allocatePyramid(32, 1, p).at(0, 0), int64_t{92});
        p.promptLength = 200; // < 2b: uniform b
        QCOMPARE(allocatePyramid(32, 1, p).at(5, 0), int64_t{120});
        p.promptLength = 240; // max_num 234 ≥ q_len − w = 232 → max 232, min 8, steps 224 // 31 = 7
        const BudgetPlan clipped = allocatePyramid(32, 1, p);
        QCOMPARE(clipped.at(0, 0), int64_t{232});
        QCOMPARE(clipped.at(31, 0), int64_t{15});
    }

    void uniformAndDispatch()
    {
        AllocationParams p;
        const BudgetPlan u = allocateUniform(2, 3, p);
        QCOMPARE(u.capacities, std::vector<int64_t>(6, 120));
        QCOMPARE(u.logicalTokens(), int64_t{6 * 128});
        QCOMPARE(u.logicalTokens(50), int64_t{6 * 50}); // truncated at the context: 42 + 8 each
        const BudgetPlan ada = allocateByName("adakv", nullptr, 2, 3, p); // layer budgets; split at prefill
        QCOMPARE(ada.method, std::string("adakv"));
        QCOMPARE(ada.capacities, std::vector<int64_t>(6, 120));
        QCOMPARE(ada.parameters.at("floor_alpha"), 0.2);
        QVERIFY_THROWS_EXCEPTION(UsageError, allocateByName("headkv", nullptr, 2, 3, p));
        QVERIFY_THROWS_EXCEPTION(UsageError, allocateByName("magic", nullptr, 2, 3, p));
        const ScoreMatrix zero = matrixOf(1, 2, {0.0, 0.0});
        QVERIFY_THROWS_EXCEPTION(UsageError, allocateHeadKv(zero, p));
        const ScoreMatrix negative = matrixOf(1, 2, {1.0, -1.0});
        QVERIFY_THROWS_EXCEPTION(UsageError, allocateDiliLazyKv(negative, p));
        p.window = 200;
        QVERIFY_THROWS_EXCEPTION(UsageError, allocateUniform(1, 1, p));
    }

    void methodNamesLiveInOnePlace()
    {
        for (AllocationMethod m : allAllocationMethods()) {
            QCOMPARE(parseAllocationMethod(allocationMethodName(m)), m);
            QVERIFY(!allocationMethodLabel(m).empty());
            // Every plan says which method made it, in the same spelling the parser takes.
            AllocationParams p;
            const ScoreMatrix scores = matrixOf(2, 3, {1, 2, 3, 4, 5, 6});
            QCOMPARE(allocate(m, &scores, 2, 3, p).method, std::string(allocationMethodName(m)));
        }
        QCOMPARE(allocationMethodNames(), std::string("uniform, pyramid, adakv, headkv, dililazykv"));
        QCOMPARE(parseAllocationMethods("headkv,,uniform"),
                 (std::vector<AllocationMethod>{AllocationMethod::HeadKv, AllocationMethod::Uniform}));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseAllocationMethods(","));
        QVERIFY(needsHeadScores(AllocationMethod::DiliLazyKv) && !needsHeadScores(AllocationMethod::AdaKv));
    }

    void headKvTemperature()
    {
        // s = (1, 3): p = (0.25, 0.75); temp 2 → (1, 9)/10. b = 120, beta 1.5: pool 80·2, min 40.
        const ScoreMatrix s = matrixOf(1, 2, {1.0, 3.0});
        AllocationParams p;
        const BudgetPlan t1 = allocateHeadKv(s, p);
        QCOMPARE(t1.capacities, (std::vector<int64_t>{80, 160})); // 0.25·160 + 40, 0.75·160 + 40
        p.temp = 2.0;
        const BudgetPlan t2 = allocateHeadKv(s, p);
        QCOMPARE(t2.capacities, (std::vector<int64_t>{56, 184})); // 0.1·160 + 40, 0.9·160 + 40
    }

    void adaKvLayer()
    {
        // 2 heads × 6 keys, b = 3, no normalisation, α = 0: global top-6 = head 0's four largest
        // (0.9, 0.8, 0.7, 0.6) and head 1's two (0.5, 0.4) → caps (4, 2).
        const std::vector<float> scores = {0.9f, 0.8f, 0.7f, 0.6f, 0.0f, 0.0f, //
                                           0.5f, 0.4f, 0.1f, 0.1f, 0.1f, 0.1f};
        QCOMPARE(allocateAdaKvLayer(scores, 2, 6, 3, 0.0, false), (std::vector<int64_t>{4, 2}));
        // α = 0.5: cap = round(n·0.5 + int(1.5)) = round(2 + 1), round(1 + 1).
        QCOMPARE(allocateAdaKvLayer(scores, 2, 6, 3, 0.5, false), (std::vector<int64_t>{3, 2}));
        // Normalised: head 0 scaled by 2.4/3.0 = 0.8, head 1 by 1.0/1.3 ≈ 0.769:
        // head 0 → .72 .64 .56 .48; head 1 → .385 .308 .077… → top-6 still 4 + 2.
        QCOMPARE(allocateAdaKvLayer(scores, 2, 6, 3, 0.0, true), (std::vector<int64_t>{4, 2}));
        // Budget at least the prefix: nothing to choose.
        QCOMPARE(allocateAdaKvLayer(scores, 2, 6, 6, 0.2, true), (std::vector<int64_t>{6, 6}));
        // All ties: lower flat index wins, so head 0 takes everything it can.
        const std::vector<float> flat(12, 1.0f);
        QCOMPARE(allocateAdaKvLayer(flat, 2, 6, 3, 0.0, false), (std::vector<int64_t>{6, 0}));
        QVERIFY_THROWS_EXCEPTION(UsageError, allocateAdaKvLayer(flat, 3, 6, 3));
    }

    void layerCapacitiesAsksThePlan()
    {
        // The compressed cache's one question: a fixed plan answers with its row whatever the
        // prompt's scores; an Ada-KV plan splits the layer's budget by those scores.
        const std::vector<float> scores = {0.9f, 0.8f, 0.7f, 0.6f, 0.0f, 0.0f, //
                                           0.5f, 0.4f, 0.1f, 0.1f, 0.1f, 0.1f};
        AllocationParams p;
        p.baseCapacity = 3 + p.window; // b = 3 selected tokens per head
        p.adaFloorAlpha = 0.0;
        const BudgetPlan uniform = allocateByName("uniform", nullptr, 2, 2, p);
        QVERIFY(!splitsAtPrefill(uniform));
        QCOMPARE(layerCapacities(uniform, 1, scores, 6), (std::vector<int64_t>{3, 3}));
        BudgetPlan ada = allocateByName("adakv", nullptr, 2, 2, p);
        ada.parameters["normalize"] = 0.0;
        QVERIFY(splitsAtPrefill(ada));
        QCOMPARE(layerCapacities(ada, 1, scores, 6), (std::vector<int64_t>{4, 2})); // as adaKvLayer above
        // A budget covering the prefix needs no scores: every head keeps all keys.
        QCOMPARE(layerCapacities(ada, 0, {}, 3), (std::vector<int64_t>{3, 3}));
        QVERIFY_THROWS_EXCEPTION(UsageError, layerCapacities(ada, 0, {}, 6)); // scores required to split
        QVERIFY_THROWS_EXCEPTION(UsageError, layerCapacities(ada, 2, scores, 6)); // no layer 2
    }
};

QTEST_GUILESS_MAIN(TestAllocators)
#include "tst_allocators.moc"
