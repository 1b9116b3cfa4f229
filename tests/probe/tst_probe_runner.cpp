// ProbeRunner without a model: a scripted FakeGenerator answers and reports attention rows, and
// the session must hold exactly what was scripted — the prompts the runner built (and fed),
// the needle spans, the answers scored as the probe scores them, and head scores computed from
// the scripted rows (values worked out by hand from docs/algorithms.md §1D). Also: last-row mode,
// cancellation between steps and resume, shards, and bad requests refused before any work.
#include "fakes/byte_tokenizer.h"
#include "fakes/fake_generator.h"

#include "headscope/core/errors.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/session.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>
#include <stop_token>

using namespace headscope;
using headscope::testing::FakeGenerator;
using headscope::testing::fakeModelConfig;

namespace {

const Needle kNeedle{"The secret code is 4817.", "What is the secret code?", "4817", "4817"};
constexpr int32_t kEos = 257;

double at(const SessionTest& t, HeadMetric m, int layer, int head)
{
    return t.scores.of(m)[static_cast<std::size_t>(layer * t.scores.heads + head)];
}

} // namespace

class TestProbeRunner : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::optional<Tokenizer> m_tokenizer;
    std::vector<int32_t> m_answer; // " 4817"

    ProbeRequest request(const QString& file) const
    {
        ProbeRequest r;
        r.needles = {kNeedle};
        r.haystack = HaystackSpec::synthetic(5);
        r.lengths = {300, 400}; // byte tokens: room for haystack around the needle
        r.depths = {0.25, 0.75};
        r.maxNewTokens = 12;
        r.out = m_dir.filePath(file).toStdString();
        return r;
    }

    // The needle's first prompt position, found the way a reader of the prompt would.
    int64_t needleStart(const std::vector<int32_t>& prompt) const
    {
        const auto span = locateSpan(prompt, m_tokenizer->encode(" " + kNeedle.needle));
        return span ? span->first : -1;
    }

    // Answers " 4817" then EOS. Rows: (0,0) all on the needle's first key; (0,1) all on key 0;
    // (1,0) half on the needle, half on key 0; (1,1) 0.6 on the needle, 0.4 on key 1.
    FakeGenerator generator() const
    {
        FakeGenerator g(fakeModelConfig(2, 2), [this](const FakeGenerator::Call&, int step) {
            return step < static_cast<int>(m_answer.size()) ? m_answer[static_cast<std::size_t>(step)] : kEos;
        });
        g.setRows([this](const FakeGenerator::Call& call, int layer, int head, int, int64_t keys) {
            std::vector<float> row(static_cast<std::size_t>(keys), 0.0f);
            const auto b = static_cast<std::size_t>(needleStart(call.prompt));
            if (layer == 0 && head == 0)
                row[b] = 1.0f;
            else if (layer == 0)
                row[0] = 1.0f;
            else if (head == 0)
                row[b] = row[0] = 0.5f;
            else
                row[b] = 0.6f, row[1] = 0.4f;
            return row;
        });
        return g;
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

    void sessionHoldsWhatWasScripted()
    {
        FakeGenerator g = generator();
        ProbeRunner runner(g, *m_tokenizer);
        const ProbeRequest r = request(QStringLiteral("scripted.h5"));
        int progress = 0;
        const ProbeSummary s = runner.run(r, [&](const ProbeProgress& p) {
            QCOMPARE(p.done, ++progress);
            QCOMPARE(p.total, 4);
        });
        QCOMPARE(s.testsWritten, 4);
        QCOMPARE(g.calls().size(), std::size_t(4));

        const auto reader = SessionReader::open(r.out);
        const SessionManifest& m = reader->manifest();
        QCOMPARE(m.haystack, std::string("synthetic seed=5"));
        QCOMPARE(m.addBos, m_tokenizer->addsBosByDefault()); // the tokenizer's policy, recorded
        QCOMPARE(m.mode, std::string("all-steps"));
        QCOMPARE(m.layers, 2);
        QCOMPARE(m.heads, 2);
        QCOMPARE(parseNeedles(m.needlesJsonl, "manifest").front().answer, kNeedle.answer);

        const PreparedProbe prepared = prepareProbe(r, *m_tokenizer);
        QCOMPARE(reader->tests().size(), std::size_t(4));
        for (std::size_t i = 0; i < reader->tests().size(); ++i) {
            const SessionTest& t = reader->tests()[i];
            const FakeGenerator::Call& call = g.calls()[i];
            // The prompt recorded is the one fed, and the one the request builds.
            const BuiltPrompt built = buildPrompt(*m_tokenizer, prepared.haystackText, kNeedle, t.length, t.depth,
                                                  prepared.prompt);
            QCOMPARE(reader->promptIds(t.id), call.prompt);
            QCOMPARE(call.prompt, built.ids);
            QCOMPARE(t.spanStart, needleStart(call.prompt));
            QVERIFY(t.spanStart > 20); // inside the haystack, not at its start
            QCOMPARE(t.spanEnd, built.spanEnd);
            QCOMPARE(call.prompt.front(), int32_t(256)); // BOS, as the byte tokenizer's policy says
            QVERIFY(call.options.stopAtEos);
            QVERIFY(std::find(call.options.stopTokens.begin(), call.options.stopTokens.end(), kEos) !=
                    call.options.stopTokens.end());
            QCOMPARE(call.options.maxNewTokens, 12);
            // The answer: scripted tokens then EOS; scored without the EOS.
            QCOMPARE(t.generatedIds.back(), kEos);
            QCOMPARE(t.generatedIds.size(), m_answer.size() + 1);
            QCOMPARE(t.text, std::string("4817"));
            QCOMPARE(t.rouge1Recall, 100.0);
            QCOMPARE(t.qaF1, 100.0);
            // Head scores from the scripted rows, the same at every scored step.
            QCOMPARE(t.scores.scoredRows, static_cast<int>(t.generatedIds.size()));
            QCOMPARE(at(t, HeadMetric::Inf, 0, 0), 1.0);
            QCOMPARE(at(t, HeadMetric::Inf, 0, 1), 0.0);
            QCOMPARE(at(t, HeadMetric::Dili, 0, 1), 0.0);
            QVERIFY(std::abs(at(t, HeadMetric::Dili, 1, 0) - 0.5) < 1e-6);
            QVERIFY(std::abs(at(t, HeadMetric::Lazy, 1, 0) - 1.0) < 1e-6);
            QVERIFY(std::abs(at(t, HeadMetric::Inf, 1, 0) - 2.0 / 3.0) < 1e-6);
            QVERIFY(std::abs(at(t, HeadMetric::Dili, 1, 1) - 0.6) < 1e-6);
            QVERIFY(std::abs(at(t, HeadMetric::Inf, 1, 1) - 0.75) < 1e-6);
            QCOMPARE(reader->steps(t.id).size(), t.generatedIds.size());
        }
        std::set<std::pair<int, long long>> cells;
        for (const SessionTest& t : reader->tests())
            cells.insert({t.length, std::llround(t.depth * 100)});
        QCOMPARE(cells, (std::set<std::pair<int, long long>>{{300, 25}, {300, 75}, {400, 25}, {400, 75}}));
    }

    void lastRowModeScoresOnlyThePromptRow()
    {
        // (0,0) looks at the needle from the last prompt row only, then at key 0.
        FakeGenerator g = generator();
        g.setRows([this](const FakeGenerator::Call& call, int, int, int step, int64_t keys) {
            std::vector<float> row(static_cast<std::size_t>(keys), 0.0f);
            row[step == 0 ? static_cast<std::size_t>(needleStart(call.prompt)) : 0] = 1.0f;
            return row;
        });
        ProbeRunner runner(g, *m_tokenizer);
        ProbeRequest r = request(QStringLiteral("last_row.h5"));
        r.lengths = {300};
        r.depths = {0.5};
        r.mode = ScoringMode::LastPromptRow;
        runner.run(r);
        r.mode = ScoringMode::AllRows;
        r.out = m_dir.filePath(QStringLiteral("all_rows.h5")).toStdString();
        runner.run(r);
        const SessionTest last = SessionReader::open(m_dir.filePath(QStringLiteral("last_row.h5")).toStdString())->tests()[0];
        const SessionTest all = SessionReader::open(r.out)->tests()[0];
        QCOMPARE(last.scores.scoredRows, 1);
        QCOMPARE(at(last, HeadMetric::Inf, 0, 0), 1.0);
        const auto steps = static_cast<double>(all.generatedIds.size());
        QCOMPARE(all.scores.scoredRows, static_cast<int>(steps));
        QVERIFY(std::abs(at(all, HeadMetric::Inf, 0, 0) - 1.0 / steps) < 1e-9);
    }

    void stopDiscardsTheTestInFlightAndResumeFinishes()
    {
        FakeGenerator g = generator();
        std::stop_source stop;
        g.setBeforeStep([&](const FakeGenerator::Call&, int step) {
            if (g.calls().size() == 2 && step == 1)
                stop.request_stop(); // in the middle of the second test
        });
        ProbeRunner runner(g, *m_tokenizer);
        ProbeRequest r = request(QStringLiteral("stopped.h5"));
        QVERIFY_THROWS_EXCEPTION(CancelledError, runner.run(r, {}, stop.get_token()));
        QCOMPARE(SessionReader::open(r.out)->tests().size(), std::size_t(1));

        FakeGenerator again = generator();
        ProbeRunner resumed(again, *m_tokenizer);
        r.resume = true;
        const ProbeSummary s = resumed.run(r);
        QCOMPARE(s.testsSkipped, 1);
        QCOMPARE(s.testsWritten, 3);
        QCOMPARE(again.calls().size(), std::size_t(3));
        QCOMPARE(SessionReader::open(r.out)->tests().size(), std::size_t(4));
    }

    void shardRunsEveryNthTest()
    {
        FakeGenerator g = generator();
        ProbeRunner runner(g, *m_tokenizer);
        ProbeRequest r = request(QStringLiteral("shard.h5"));
        r.shardIndex = 1;
        r.shardCount = 2;
        const ProbeSummary s = runner.run(r);
        QCOMPARE(s.testsWritten, 2);
        QCOMPARE(s.testsSkipped, 2);
        std::set<std::pair<int, long long>> cells;
        const auto reader = SessionReader::open(r.out);
        for (const SessionTest& t : reader->tests())
            cells.insert({t.length, std::llround(t.depth * 100)});
        // Grid order: (300, 25) (300, 75) (400, 25) (400, 75); shard 1/2 takes indices 1 and 3.
        QCOMPARE(cells, (std::set<std::pair<int, long long>>{{300, 75}, {400, 75}}));
    }

    void badRequestsFailBeforeAnyWork()
    {
        FakeGenerator g = generator();
        ProbeRunner runner(g, *m_tokenizer);
        ProbeRequest tooShort = request(QStringLiteral("short.h5"));
        tooShort.lengths = {300, 8};
        QVERIFY_THROWS_EXCEPTION(UsageError, runner.run(tooShort));
        ProbeRequest noOut = request(QString());
        noOut.out.clear();
        QVERIFY_THROWS_EXCEPTION(UsageError, runner.run(noOut));
        ProbeRequest badShard = request(QStringLiteral("bad_shard.h5"));
        badShard.shardIndex = 2;
        badShard.shardCount = 2;
        QVERIFY_THROWS_EXCEPTION(UsageError, runner.run(badShard));
        ProbeRequest noHaystack = request(QStringLiteral("no_haystack.h5"));
        noHaystack.haystack = HaystackSpec::directory(m_dir.filePath(QStringLiteral("missing")).toStdString());
        QVERIFY_THROWS_EXCEPTION(LoadError, runner.run(noHaystack));
        QCOMPARE(g.calls().size(), std::size_t(0));
        QVERIFY(!std::filesystem::exists(tooShort.out));
        QVERIFY(!std::filesystem::exists(badShard.out));
        QVERIFY(!std::filesystem::exists(noHaystack.out));
    }
};

QTEST_GUILESS_MAIN(TestProbeRunner)
#include "tst_probe_runner.moc"
