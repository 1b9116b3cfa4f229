// runBudgetSweep's logic on a scripted FakeGenerator (no model, no LibTorch): one generation per
// test with the full cache and one per method × budget × test with that method's plan; answers
// scored exactly as the probe scores them (an emitted EOS is no part of the answer); requests
// that cannot run fail before any generation; the results file round-trips.
#include "fakes/byte_tokenizer.h"
#include "fakes/fake_generator.h"

#include "headscope/core/budget_sweep.h"
#include "headscope/core/errors.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/session.h"

#include <QTemporaryDir>
#include <QTest>

using namespace headscope;
using headscope::testing::FakeGenerator;
using headscope::testing::fakeModelConfig;

namespace {
const Needle kNeedle{"The secret code is 4817.", "What is the secret code?", "4817", "4817"};
constexpr int32_t kEos = 257;
} // namespace

class TestSweepRuns : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::optional<Tokenizer> m_tokenizer;
    std::vector<int32_t> m_answer; // " 4817"

    // Answers " 4817" and then EOS, whatever the cache.
    FakeGenerator answering() const
    {
        return FakeGenerator(fakeModelConfig(2, 2), [this](const FakeGenerator::Call&, int step) {
            return step < static_cast<int>(m_answer.size()) ? m_answer[static_cast<std::size_t>(step)] : kEos;
        });
    }

    ProbeRequest grid(const QString& out) const
    {
        ProbeRequest r;
        r.needles = {kNeedle};
        r.haystack = HaystackSpec::synthetic(9);
        r.lengths = {300, 400}; // byte tokens: room for haystack around the needle
        r.depths = {0.5};
        r.maxNewTokens = 10;
        r.out = m_dir.filePath(out).toStdString();
        return r;
    }

    SweepConfig config(std::vector<AllocationMethod> methods, std::vector<int64_t> budgets) const
    {
        SweepConfig c;
        c.methods = std::move(methods);
        c.budgets = std::move(budgets);
        c.params.window = 4;
        c.generation.maxNewTokens = 10;
        c.generation.stopAtEos = true; // as `headscope-cli sweep` runs it
        ScoreMatrix scores;
        scores.layers = 2;
        scores.heads = 2;
        scores.values = {0.1, 0.4, 0.2, 0.3};
        c.scores = scores;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const std::filesystem::path model = m_dir.filePath(QStringLiteral("tokenizer")).toStdString();
        testing::writeByteTokenizerModel(model);
        m_tokenizer.emplace(Tokenizer::fromDirectory(model));
        m_answer = m_tokenizer->encode(" 4817");
    }

    void probeAndSweepScoreAnEosTerminatedAnswerTheSame()
    {
        const ProbeRequest request = grid(QStringLiteral("probe.h5"));
        FakeGenerator probeModel = answering();
        ProbeRunner(probeModel, *m_tokenizer).run(request);
        const auto session = SessionReader::open(request.out);

        FakeGenerator sweepModel = answering();
        const std::vector<SweepTest> tests = buildNeedleGrid(prepareProbe(request, *m_tokenizer), *m_tokenizer);
        const SweepResults r = runBudgetSweep(sweepModel, *m_tokenizer, tests, config({AllocationMethod::Uniform}, {64}));
        QCOMPARE(tests.size(), session->tests().size());
        for (std::size_t t = 0; t < tests.size(); ++t) {
            const SessionTest& probed = session->tests()[t];
            QCOMPARE(tests[t].promptIds, session->promptIds(probed.id)); // the same prompts
            QCOMPARE(probed.generatedIds.back(), kEos);                   // the answers end in EOS
            for (const SweepOutcome& o : {r.full[t], r.at(0, 0, t)}) {
                QCOMPARE(o.qaF1, probed.qaF1); // an EOS decoded into the text ("4817<|end_of_text|>") scores 0
                QCOMPARE(o.rouge1, probed.rouge1Recall);
                QCOMPARE(o.text, probed.text);
            }
            QCOMPARE(probed.qaF1, 100.0);
        }
    }

    void everyMethodAndBudgetRunsItsPlan()
    {
        FakeGenerator g = answering();
        const std::vector<SweepTest> tests =
            buildNeedleGrid(prepareProbe(grid(QStringLiteral("unused.h5")), *m_tokenizer), *m_tokenizer);
        const std::vector<AllocationMethod> methods = {AllocationMethod::Uniform, AllocationMethod::AdaKv,
                                                       AllocationMethod::DiliLazyKv};
        int reports = 0;
        const SweepResults r = runBudgetSweep(g, *m_tokenizer, tests, config(methods, {16, 32}), [&](const SweepProgress& p) {
            QCOMPARE(p.done, ++reports);
            QCOMPARE(p.total, 2 * (1 + 3 * 2));
        });
        QCOMPARE(r.methods, (std::vector<std::string>{"uniform", "adakv", "dililazykv"}));
        QCOMPARE(g.calls().size(), std::size_t(2 * (1 + 3 * 2)));
        for (std::size_t t = 0; t < 2; ++t)
            QVERIFY(!g.calls()[t].options.compression);
        std::size_t call = 2;
        for (AllocationMethod m : methods)
            for (int64_t budget : {16, 32})
                for (std::size_t t = 0; t < 2; ++t, ++call) {
                    const auto& spec = g.calls()[call].options.compression;
                    QVERIFY(spec);
                    QCOMPARE(spec->plan.method, std::string(allocationMethodName(m)));
                    QCOMPARE(spec->plan.parameters.at("base_capacity"), double(budget));
                    QCOMPARE(spec->plan.window, 4);
                    QCOMPARE(g.calls()[call].prompt, tests[t].promptIds);
                }
    }

    void impossibleRequestsFailFirst()
    {
        FakeGenerator g = answering();
        const std::vector<SweepTest> tests =
            buildNeedleGrid(prepareProbe(grid(QStringLiteral("unused.h5")), *m_tokenizer), *m_tokenizer);
        QVERIFY_THROWS_EXCEPTION(UsageError, parseAllocationMethods("uniform,magic")); // an unknown method never gets a config
        SweepConfig noScores = config({AllocationMethod::Uniform, AllocationMethod::HeadKv}, {16});
        noScores.scores.reset();
        QVERIFY_THROWS_EXCEPTION(UsageError, runBudgetSweep(g, *m_tokenizer, tests, noScores));
        QVERIFY_THROWS_EXCEPTION(UsageError,
                                 runBudgetSweep(g, *m_tokenizer, tests, config({AllocationMethod::Uniform}, {4})));
        SweepConfig wrongShape = config({AllocationMethod::HeadKv}, {16});
        wrongShape.scores->layers = 7;
        QVERIFY_THROWS_EXCEPTION(UsageError, runBudgetSweep(g, *m_tokenizer, tests, wrongShape));
        QVERIFY_THROWS_EXCEPTION(UsageError, runBudgetSweep(g, *m_tokenizer, {}, config({AllocationMethod::Uniform}, {16})));
        QCOMPARE(g.calls().size(), std::size_t(0));
    }

    void resultsRoundTripThroughHdf5()
    {
        FakeGenerator g = answering();
        const std::vector<SweepTest> tests =
            buildNeedleGrid(prepareProbe(grid(QStringLiteral("unused.h5")), *m_tokenizer), *m_tokenizer);
        SweepResults r = runBudgetSweep(g, *m_tokenizer, tests,
                                        config({AllocationMethod::Uniform, AllocationMethod::HeadKv}, {12, 24}));
        r.full[1].rouge1 = 66.5; // values the script does not produce, to see them come back
        r.at(1, 0, 1).qaF1 = 12.25;
        r.at(0, 1, 0).text = "naïve ✓";
        r.manifestJson = R"({"model":"tiny"})";
        const auto file = m_dir.filePath(QStringLiteral("sweep.h5")).toStdString();
        writeSweepResults(file, r);
        const SweepResults back = readSweepResults(file);
        QCOMPARE(back.methods, r.methods);
        QCOMPARE(back.budgets, r.budgets);
        QCOMPARE(back.tests.size(), r.tests.size());
        QCOMPARE(back.tests[1].promptLength, r.tests[1].promptLength);
        QCOMPARE(back.full[1].rouge1, 66.5);
        QCOMPARE(back.at(1, 0, 1).qaF1, 12.25);
        QCOMPARE(back.at(0, 1, 0).text, std::string("naïve ✓"));
        QCOMPARE(back.at(1, 1, 1).kvBytes, r.at(1, 1, 1).kvBytes);
        QVERIFY(back.manifestJson.find("\"model\": \"tiny\"") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(LoadError, readSweepResults(m_dir.filePath(QStringLiteral("missing.h5")).toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestSweepRuns)
#include "tst_sweep_runs.moc"
