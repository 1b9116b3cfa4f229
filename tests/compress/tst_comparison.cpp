// compareGeneration on the real engine: with a budget covering the prompt nothing differs (KL 0,
// full agreement); under a small budget the per-step statistics are teacher-forced on the full
// run (step 0's prefix is the prompt in both, so its top-1 is the compressed run's own first
// token), the counts add up, and needle tokens kept are counted from the heads' kept positions;
// a masked-heads comparison is teacher-forced too. Request checks and the run logic without a
// model: tst_comparison_runs.
#include "engine/tiny_models.h"

#include "headscope/core/allocator.h"
#include "headscope/core/comparison.h"
#include "headscope/core/compression.h"
#include "headscope/core/errors.h"
#include "headscope/engine/engine.h"

#include <QTemporaryDir>
#include <QTest>

using namespace headscope;

class TestComparison : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    Engine m_engine;

    std::shared_ptr<CompressionSpec> uniform(int64_t base, int window)
    {
        AllocationParams p;
        p.baseCapacity = base;
        p.window = window;
        auto spec = std::make_shared<CompressionSpec>();
        const auto& c = m_engine.config();
        spec->plan = allocateUniform(static_cast<int>(c.numLayers), static_cast<int>(c.numHeads), p);
        return spec;
    }

private Q_SLOTS:
    void initTestCase()
    {
        TestModelSpec spec = tinyModelCases()[0].spec;
        spec.layers = 3;
        const std::string path = m_dir.filePath(QStringLiteral("m")).toStdString();
        writeTestModel(spec, path);
        m_engine.load(path);
    }

    void coveringBudgetChangesNothing()
    {
        ComparisonRequest r;
        r.promptIds = testPrompt(30);
        r.options.maxNewTokens = 10;
        r.compression = uniform(64, 8);
        const Comparison c = compareGeneration(m_engine, r);
        QVERIFY(!c.firstDivergence);
        QCOMPARE(c.steps.size(), std::size_t(10));
        QCOMPARE(c.top1Agreement, 1.0);
        QVERIFY2(c.maxKl < 1e-6, QByteArray::number(c.maxKl, 'g', 3).constData()); // float32 log-probs
        QCOMPARE(c.variantRun.generatedIds, c.full.generatedIds);
        QCOMPARE(c.variantRun.kvBytes, c.full.kvBytes);
    }

    void smallBudgetIsTeacherForced()
    {
        ComparisonRequest r;
        r.promptIds = testPrompt(80);
        r.options.maxNewTokens = 12;
        r.compression = uniform(10, 2);
        r.needleSpan = std::make_pair(int64_t(20), int64_t(35));
        const Comparison c = compareGeneration(m_engine, r);
        QCOMPARE(c.steps.size(), c.full.generatedIds.size());
        QVERIFY(c.variantRun.kvBytes < c.full.kvBytes);
        int agree = 0;
        double sum = 0.0;
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            QCOMPARE(c.steps[i].fullToken, c.full.generatedIds[i]);
            QVERIFY(c.steps[i].kl >= 0.0);
            agree += c.steps[i].variantTop1 == c.steps[i].fullToken;
            sum += c.steps[i].kl;
        }
        QCOMPARE(c.steps[0].variantTop1, c.variantRun.generatedIds[0]);
        QCOMPARE(c.top1Agreement, double(agree) / double(c.steps.size()));
        QVERIFY(std::abs(c.meanKl - sum / double(c.steps.size())) < 1e-12);
        QVERIFY2(c.meanKl > 1e-4, "a 10-token budget on random weights must change the distribution");
        if (c.firstDivergence) {
            QCOMPARE(c.full.generatedIds[std::size_t(*c.firstDivergence)] ==
                         c.variantRun.generatedIds[std::size_t(*c.firstDivergence)],
                     false);
            for (int i = 0; i < *c.firstDivergence; ++i)
                QCOMPARE(c.full.generatedIds[std::size_t(i)], c.variantRun.generatedIds[std::size_t(i)]);
        }
        QCOMPARE(c.needleLength, int64_t(15));
        int64_t total = 0, heads = 0;
        for (std::size_t l = 0; l < c.needleKept.size(); ++l)
            for (std::size_t h = 0; h < c.needleKept[l].size(); ++h) {
                const auto& kept = c.variantRun.keptPositions[l][h];
                const auto n = std::count_if(kept.begin(), kept.end(), [](int32_t p) { return p >= 20 && p < 35; });
                QCOMPARE(c.needleKept[l][h], int64_t(n));
                QVERIFY(n <= 8); // 10 − 2 selected; the window (78, 79) is outside the needle
                total += n;
                ++heads;
            }
        QCOMPARE(c.needleKeptFraction, double(total) / double(heads * 15));
    }

    void maskedComparisonIsTeacherForced()
    {
        // Every query head masked: the variant's text leaves the full run's early, and from then on
        // a free-running KL would compare different prefixes. The comparison's per-step numbers
        // must be the masked model's given the FULL run's tokens.
        ComparisonRequest r;
        r.promptIds = testPrompt(40);
        r.options.maxNewTokens = 10;
        const auto& cfg = m_engine.config();
        for (int l = 0; l < int(cfg.numLayers); ++l)
            for (int h = 0; h < int(cfg.numHeads); ++h)
                r.maskedHeads.push_back({l, h});
        const Comparison c = compareGeneration(m_engine, r);
        QVERIFY2(c.firstDivergence && *c.firstDivergence < 9, "masking every head must change the greedy text early");
        QCOMPARE(c.variantRun.kvBytes, c.full.kvBytes); // masking compresses nothing
        QVERIFY(c.needleKept.empty());

        GenerateOptions o;
        o.maxNewTokens = 10;
        o.keepLogProbs = true;
        o.maskedHeads = r.maskedHeads;
        o.forcedTokens = c.full.generatedIds;
        const GenerateResult forced = m_engine.generate(r.promptIds, o);
        QCOMPARE(c.steps.size(), c.full.generatedIds.size());
        bool freeRunningDiffers = false;
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            QCOMPARE(c.steps[i].variantTop1, forced.generatedIds[i]);
            QCOMPARE(c.steps[i].kl, klDivergence(c.full.stepLogProbs[i], forced.stepLogProbs[i]));
            if (i < c.variantRun.stepLogProbs.size())
                freeRunningDiffers = freeRunningDiffers ||
                                     std::abs(klDivergence(c.full.stepLogProbs[i], c.variantRun.stepLogProbs[i]) - c.steps[i].kl) > 1e-9;
        }
        QVERIFY2(freeRunningDiffers, "after the divergence a free-running KL differs from the teacher-forced one");
    }
};

QTEST_GUILESS_MAIN(TestComparison)
#include "tst_comparison.moc"
