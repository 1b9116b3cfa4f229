// The write-aware head score (docs/algorithms.md §1G) at the core level: the projection of head
// writes on a readout, the collector, the per-test means, and the probe runner over a hand-built
// two-head "model" (a Generator that reports the hooks an engine would) whose contributions are
// worked out by hand — stored per test and per step in the session, listed as held metrics,
// and ignored by the attention-only reading of older sessions.
#include "headscope/core/allocator.h"
#include "headscope/core/errors.h"
#include "headscope/core/forward_observer.h"
#include "headscope/core/generator.h"
#include "headscope/core/head_metrics.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/session.h"
#include "headscope/core/write_score.h"

#include "fakes/byte_tokenizer.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

using namespace headscope;

namespace {

// One layer, two query heads, hidden 4. Head 0 puts all its attention on the first needle
// token and writes 2·e0; head 1 spreads its attention evenly and writes 3·e1. At every step the
// token readout is (0.5, 0.25, 1, 0), so head 0 contributes 2·0.5 = 1 to the token's logit, all
// of it from the needle, and head 1 contributes 3·0.25 = 0.75, of which the needle's share is
// span/keys.
class TwoHeadModel final : public Generator {
public:
    TwoHeadModel()
    {
        m_config.numLayers = 1;
        m_config.numHeads = 2;
        m_config.numKvHeads = 1;
        m_config.headDim = 2;
        m_config.hiddenSize = 4;
        m_config.vocabSize = 258;
        m_config.bosTokenId = 256;
        m_config.eosTokenIds = {257};
    }
    const ModelConfig& config() const override { return m_config; }
    GeneratorIdentity identity() const override { return {{}, "cpu", "f32"}; }
    int steps = 3;
    std::vector<double> needleShares; // head 1's needle share at each step, for the expectations

    GenerateResult generate(std::span<const int32_t> prompt, const GenerateOptions&, ForwardObserver* observer,
                            std::stop_token) override
    {
        GenerateResult r;
        r.promptIds.assign(prompt.begin(), prompt.end());
        const auto span = observer ? observer->attributionSpan() : std::nullopt;
        for (int step = 0; step < steps; ++step) {
            const int64_t keys = static_cast<int64_t>(prompt.size()) + step;
            if (observer) {
                std::vector<float> rows(static_cast<std::size_t>(2 * keys), 0.0f);
                rows[static_cast<std::size_t>(span ? span->first : 0)] = 1.0f; // head 0
                for (int64_t k = 0; k < keys; ++k)
                    rows[static_cast<std::size_t>(keys + k)] = 1.0f / static_cast<float>(keys); // head 1
                send(*observer, HookPoint::AttnPattern, step, {2, keys}, rows);
                send(*observer, HookPoint::HeadWrite, step, {2, 4}, {2, 0, 0, 0, 0, 3, 0, 0});
                if (span) {
                    const double share = static_cast<double>(span->second - span->first) / static_cast<double>(keys);
                    needleShares.push_back(share);
                    send(*observer, HookPoint::HeadWriteSpan, step, {2, 4},
                         {2, 0, 0, 0, 0, static_cast<float>(3 * share), 0, 0});
                }
                send(*observer, HookPoint::TokenReadout, step, {4}, {0.5f, 0.25f, 1.0f, 0.0f}, -1);
            }
            const int32_t token = 'x';
            r.generatedIds.push_back(token);
            if (observer)
                observer->onStepComplete(step, token);
        }
        return r;
    }

private:
    static void send(ForwardObserver& o, HookPoint point, int step, std::vector<int64_t> shape, std::vector<float> values,
                     int layer = 0)
    {
        if (!o.wants(point))
            return;
        HookEvent e;
        e.point = point;
        e.layer = layer;
        e.step = step;
        e.shape = shape;
        e.values = values;
        o.onHook(e);
    }
    ModelConfig m_config;
};

bool near(double a, double b)
{
    return std::abs(a - b) < 1e-6;
}

} // namespace

class TestWriteScore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void projection()
    {
        // [2 heads, 3 hidden] · (1, −2, 0.5): head 0 = 1 − 4 + 1.5 = −1.5, head 1 = 0 + 2 + 0 = 2.
        const std::vector<float> writes = {1, 2, 3, 0, -1, 7};
        const std::vector<float> readout = {1, -2, 0.5f};
        const auto v = projectHeadWrites(writes, 2, readout);
        QCOMPARE(v.size(), std::size_t(2));
        QVERIFY(near(v[0], -1.5));
        QVERIFY(near(v[1], 5.5));
        QVERIFY_THROWS_EXCEPTION(UsageError, projectHeadWrites(writes, 3, readout));
    }

    void collectorPerLayer()
    {
        HeadWriteCollector c(2, 1);
        c.addWrites(1, std::vector<float>{1, 1}, 2);
        c.addSpanWrites(1, std::vector<float>{0, 1}, 2);
        QVERIFY(c.hasWrites());
        std::vector<double> total, needle;
        c.finishStep(std::vector<float>{2, 3}, total, needle);
        QCOMPARE(total, (std::vector<double>{0.0, 5.0})); // layer 0 never reported
        QCOMPARE(needle, (std::vector<double>{0.0, 3.0}));
        QVERIFY(!c.hasWrites());
        QVERIFY_THROWS_EXCEPTION(UsageError, c.addWrites(2, std::vector<float>{1, 1}, 2));
        QVERIFY_THROWS_EXCEPTION(UsageError, c.addWrites(0, std::vector<float>{1}, 2));
    }

    void perTestMeanOverSteps()
    {
        TestScoreAccumulator acc(1, 1, {0, 1}, {5, 6});
        StepStats a, b;
        RowStats row;
        row.rowLength = 2;
        row.topIndices = {0};
        row.topWeights = {1.0f};
        row.needleMass = 1.0;
        a.rows = b.rows = {row};
        a.write = {1.0};
        a.writeNeedle = {0.5};
        b.write = {-3.0};
        b.writeNeedle = {0.25};
        acc.addStep(0, a);
        acc.addStep(1, b);
        const TestHeadScores s = acc.finish();
        QVERIFY(near(s.of(HeadMetric::Write)[0], -1.0));
        QVERIFY(near(s.of(HeadMetric::WriteNeedle)[0], 0.375));
        QVERIFY(near(s.of(HeadMetric::Inf)[0], computeRowMetrics(row, {0, 1}, -1, std::vector<int32_t>{5, 6})[HeadMetric::Inf]));
        QCOMPARE(parseHeadMetric("write_needle"), HeadMetric::WriteNeedle);
        QVERIFY(isWriteMetric(HeadMetric::Write) && !isWriteMetric(HeadMetric::Inf));
    }

    void probeOnTwoHeadModel()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        testing::writeByteTokenizerModel(root / "model");
        const Tokenizer tok = Tokenizer::fromDirectory(root / "model");
        TwoHeadModel model;
        ProbeRunner runner(model, tok);
        ProbeRequest c;
        c.needles = {{"The code is 4719.", "What is the code?", "code 4719", "4719"}};
        c.haystack = HaystackSpec::synthetic(3);
        c.lengths = {200}; // room for template, question, needle and answer (ProbeRequest::validate)
        c.depths = {0.5};
        c.maxNewTokens = 3;
        c.out = root / "s.h5";
        runner.run(c);
        const auto reader = SessionReader::open(c.out);
        QCOMPARE(reader->tests().size(), std::size_t(1));
        const SessionTest& t = reader->tests().front();
        const auto& write = t.scores.of(HeadMetric::Write);
        const auto& needle = t.scores.of(HeadMetric::WriteNeedle);
        QVERIFY(near(write[0], 1.0));
        QVERIFY(near(write[1], 0.75));
        QVERIFY(near(needle[0], 1.0)); // all of head 0's write comes from the needle
        double share = 0.0;
        for (double s : model.needleShares)
            share += s / static_cast<double>(model.needleShares.size());
        QVERIFY(near(needle[1], 0.75 * share));
        QVERIFY(model.needleShares.front() > 0.0);
        // The span the engine was asked to split by is the needle's.
        QVERIFY(near(model.needleShares.front(),
                     static_cast<double>(t.spanEnd - t.spanStart) / static_cast<double>(t.promptLength)));
        // Per step in stats/, and the held metrics include them.
        const auto steps = reader->steps(t.id);
        QCOMPARE(steps.size(), std::size_t(3));
        QVERIFY(near(steps[2].write[1], 0.75));
        QVERIFY(near(steps[2].writeNeedle[0], 1.0));
        const auto held = reader->heldMetrics();
        QVERIFY(std::find(held.begin(), held.end(), HeadMetric::WriteNeedle) != held.end());
        // Aggregated like any metric; a head the needle does not feed ranks below.
        SessionQuery q;
        q.metric = HeadMetric::WriteNeedle;
        const SessionAggregate a = reader->aggregate(q);
        QVERIFY(a.mean.at(0, 0) > a.mean.at(0, 1));

        // Without write scores the hooks are not asked for and the metrics are not listed.
        TwoHeadModel plain;
        ProbeRunner runner2(plain, tok);
        c.writeScores = false;
        c.out = root / "plain.h5";
        runner2.run(c);
        QVERIFY(plain.needleShares.empty());
        const auto r2 = SessionReader::open(c.out);
        QCOMPARE(r2->heldMetrics().size(), std::size_t(kReadOnlyHeadMetricCount));
        QCOMPARE(r2->tests().front().scores.of(HeadMetric::Write)[0], 0.0);
    }

    void allocatorsClipNegativeWrites()
    {
        // Heads 0-1 and 0-2: a negative write and no write earn the same (minimum) budget.
        ScoreMatrix m;
        m.layers = 1;
        m.heads = 4;
        m.values = {2.0, -1.0, 0.0, 1.0};
        m.metric = "write_needle";
        AllocationParams p;
        p.baseCapacity = 40;
        p.window = 8;
        for (AllocationMethod method : {AllocationMethod::HeadKv, AllocationMethod::DiliLazyKv}) {
            const BudgetPlan plan = allocate(method, &m, 1, 4, p);
            QCOMPARE(plan.at(0, 1), plan.at(0, 2));
            QVERIFY(plan.at(0, 0) > plan.at(0, 3) && plan.at(0, 3) > plan.at(0, 1));
        }
        m.metric = "inf"; // an attention score must not be negative
        QVERIFY_THROWS_EXCEPTION(UsageError, allocate(AllocationMethod::HeadKv, &m, 1, 4, p));
    }

    void olderSessionsHoldThirteenMetrics()
    {
        // The bundled sample session predates the write-aware scores.
        const auto r = SessionReader::open(std::string(HEADSCOPE_SOURCE_DIR) + "/sample_sessions/demo_probe.h5");
        const auto held = r->heldMetrics();
        QCOMPARE(held.size(), std::size_t(kReadOnlyHeadMetricCount));
        QVERIFY(std::none_of(held.begin(), held.end(), isWriteMetric));
        QCOMPARE(r->tests().front().scores.of(HeadMetric::WriteNeedle).size(),
                 static_cast<std::size_t>(r->manifest().layers * r->manifest().heads));
    }
};

QTEST_GUILESS_MAIN(TestWriteScore)
#include "tst_write_score.moc"
