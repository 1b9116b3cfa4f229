// compareGeneration's logic on a scripted FakeGenerator (no model, no LibTorch): which runs it
// asks for — full, variant, and the variant teacher-forced on the full run's tokens when the
// texts diverge, for compressed caches and masked heads alike — and how it turns their
// log-probabilities into per-step KL and top-1 agreement; needle tokens kept; bad requests.
#include "fakes/fake_generator.h"

#include "headscope/core/allocator.h"
#include "headscope/core/comparison.h"
#include "headscope/core/compression.h"
#include "headscope/core/errors.h"

#include <QTest>

using namespace headscope;
using headscope::testing::FakeGenerator;
using headscope::testing::fakeModelConfig;

namespace {

const std::vector<int32_t> kFull = {5, 6, 7, 8};
const std::vector<int32_t> kVariantFree = {5, 9, 9, 9};
const std::vector<int32_t> kVariantForced = {5, 9, 7, 2}; // its own top-1 after each full-run prefix

bool isVariant(const FakeGenerator::Call& call)
{
    return call.options.compression || call.options.maskedHeads.size() > 1; // the both-runs mask is one head
}

// Full: kFull. Variant: kVariantFree when free, kVariantForced when forced on the full run.
FakeGenerator divergingGenerator()
{
    return FakeGenerator(fakeModelConfig(2, 2), [](const FakeGenerator::Call& call, int step) {
        const auto i = static_cast<std::size_t>(step);
        if (!isVariant(call))
            return kFull[i];
        return call.options.forcedTokens.empty() ? kVariantFree[i] : kVariantForced[i];
    });
}

ComparisonRequest maskedRequest()
{
    ComparisonRequest r;
    r.promptIds = {1, 2, 3, 4, 5, 6};
    r.options.maxNewTokens = 4;
    r.options.maskedHeads = {{0, 0}};     // in both runs
    r.maskedHeads = {{1, 0}};             // the variant
    return r;
}

} // namespace

class TestComparisonRuns : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void maskedVariantIsTeacherForced()
    {
        FakeGenerator g = divergingGenerator();
        const Comparison c = compareGeneration(g, maskedRequest());
        QCOMPARE(g.calls().size(), std::size_t(3));
        const auto& full = g.calls()[0].options;
        const auto& free = g.calls()[1].options;
        const auto& forced = g.calls()[2].options;
        QCOMPARE(full.maskedHeads, (std::vector<HeadRef>{{0, 0}}));
        QVERIFY(full.keepLogProbs && !full.compression && full.forcedTokens.empty());
        QCOMPARE(free.maskedHeads, (std::vector<HeadRef>{{0, 0}, {1, 0}}));
        QVERIFY(free.forcedTokens.empty());
        // The third run: the masked model fed the FULL run's tokens.
        QCOMPARE(forced.maskedHeads, (std::vector<HeadRef>{{0, 0}, {1, 0}}));
        QCOMPARE(forced.forcedTokens, kFull);
        QCOMPARE(forced.maxNewTokens, 4);
        QVERIFY(forced.keepLogProbs);

        QCOMPARE(c.full.generatedIds, kFull);
        QCOMPARE(c.variantRun.generatedIds, kVariantFree);
        QCOMPARE(c.firstDivergence, std::optional<int>(1));
        QCOMPARE(c.steps.size(), std::size_t(4));
        double sum = 0.0;
        for (std::size_t i = 0; i < 4; ++i) {
            QCOMPARE(c.steps[i].fullToken, kFull[i]);
            QCOMPARE(c.steps[i].variantTop1, kVariantForced[i]);
            QCOMPARE(c.steps[i].kl, klDivergence(g.logProbs(kFull[i]), g.logProbs(kVariantForced[i])));
            sum += c.steps[i].kl;
        }
        QCOMPARE(c.steps[2].kl, 0.0); // same prefix, same preference: a free-running KL would not be 0 here
        QVERIFY(c.steps[1].kl > 0.1);
        QCOMPARE(c.top1Agreement, 0.5);
        QVERIFY(std::abs(c.meanKl - sum / 4) < 1e-12);
        QCOMPARE(c.variant, std::string("1 head masked: L1-H0"));
        QVERIFY(c.compression.empty());
        QVERIFY(c.needleKept.empty());
    }

    void agreeingRunsNeedNoThirdRun()
    {
        FakeGenerator g(fakeModelConfig(2, 2), [](const FakeGenerator::Call&, int step) { return kFull[std::size_t(step)]; });
        const Comparison c = compareGeneration(g, maskedRequest());
        QCOMPARE(g.calls().size(), std::size_t(2));
        QVERIFY(!c.firstDivergence);
        QCOMPARE(c.top1Agreement, 1.0);
        QCOMPARE(c.maxKl, 0.0);
    }

    void compressedVariantCountsTheNeedleTokensKept()
    {
        FakeGenerator g = divergingGenerator();
        g.setKept([](const FakeGenerator::Call&) {
            // [layers][stored heads][kept positions]
            return std::vector<std::vector<std::vector<int32_t>>>{{{0, 2, 3}}, {{4, 5, 1}}};
        });
        ComparisonRequest r;
        r.promptIds = {1, 2, 3, 4, 5, 6};
        r.options.maxNewTokens = 4;
        AllocationParams p;
        p.baseCapacity = 5;
        p.window = 2;
        auto spec = std::make_shared<CompressionSpec>();
        spec->plan = allocate(AllocationMethod::Uniform, nullptr, 2, 2, p);
        r.compression = spec;
        r.needleSpan = std::make_pair(int64_t(2), int64_t(5));
        r.promptSource = "probe test 3 of run.h5";
        const Comparison c = compareGeneration(g, r);
        QCOMPARE(g.calls().size(), std::size_t(3));
        QCOMPARE(g.calls()[1].options.compression, r.compression);
        QCOMPARE(g.calls()[2].options.compression, r.compression);
        QCOMPARE(g.calls()[2].options.forcedTokens, kFull);
        QCOMPARE(c.needleLength, int64_t(3));
        QCOMPARE(c.needleKept, (std::vector<std::vector<int64_t>>{{2}, {1}}));
        QCOMPARE(c.needleKeptFraction, 3.0 / 6.0);
        QCOMPARE(c.compression, spec->describe());
        QCOMPARE(c.variant, std::string("Compressed: uniform, mean 3.0 + 2 tokens per head"));
        QCOMPARE(c.promptSource, r.promptSource);
    }

    void badRequestsAreRejectedBeforeAnyRun()
    {
        FakeGenerator g = divergingGenerator();
        ComparisonRequest r;
        r.promptIds = {1, 2, 3};
        QVERIFY_THROWS_EXCEPTION(UsageError, compareGeneration(g, r)); // no compression, no masked heads
        r.maskedHeads = {{0, 1}};
        r.needleSpan = std::make_pair(int64_t(2), int64_t(5));
        QVERIFY_THROWS_EXCEPTION(UsageError, compareGeneration(g, r)); // span outside the prompt
        r.needleSpan.reset();
        r.promptIds.clear();
        QVERIFY_THROWS_EXCEPTION(UsageError, compareGeneration(g, r));
        QCOMPARE(g.calls().size(), std::size_t(0));
    }

    void tokenTextsWithoutATokenizerAreIds()
    {
        FakeGenerator g = divergingGenerator();
        Comparison c = compareGeneration(g, maskedRequest());
        describeTokens(c, nullptr);
        QCOMPARE(c.fullTokenTexts, (std::vector<std::string>{"⟨5⟩", "⟨6⟩", "⟨7⟩", "⟨8⟩"}));
        QCOMPARE(c.variantTokenTexts.size(), std::size_t(4));
        QVERIFY(c.promptText.empty());
    }
};

QTEST_GUILESS_MAIN(TestComparisonRuns)
#include "tst_comparison_runs.moc"
