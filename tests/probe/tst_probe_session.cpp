// End to end: a probe on a tiny checkpoint (real Llama-3 tokenizer) written to an HDF5
// session, re-read and checked against what was computed; last-row mode against an
// independent computation from the observer's raw rows; gates at read time; export → import
// round trip; a killed `headscope-cli probe` resumed without losing a finished test.
#include "tokenizer/tokenizer_fixture.h"

#include "headscope/core/checkpoint.h"
#include "headscope/engine/engine.h"
#include "headscope/core/errors.h"
#include "headscope/core/forward_observer.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/score_file.h"
#include "headscope/core/session.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>
#include <QElapsedTimer>

using namespace headscope;

namespace {

class RawRows : public ForwardObserver {
public:
    bool wants(HookPoint p) const override { return p == HookPoint::AttnPattern; }
    void onHook(const HookEvent& e) override
    {
        if (e.step == 0)
            rows[e.layer] = {std::vector<float>(e.values.begin(), e.values.end()), e.shape[1]};
    }
    std::map<int, std::pair<std::vector<float>, int64_t>> rows;
};

// DiliLazyKV InfScore of one row, written out directly from docs/algorithms.md §1D.
double infScore(const float* row, int64_t keys, int64_t s0, int64_t s1, int k)
{
    std::vector<int64_t> idx(static_cast<std::size_t>(keys));
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return row[a] > row[b]; });
    double wtp = 0, wfp = 0, needle = 0;
    for (int i = 0; i < std::min<int64_t>(k, keys); ++i)
        (idx[static_cast<std::size_t>(i)] >= s0 && idx[static_cast<std::size_t>(i)] < s1 ? wtp : wfp) += row[idx[static_cast<std::size_t>(i)]];
    for (int64_t j = s0; j < s1; ++j)
        needle += row[j];
    const double wfn = std::max(0.0, needle - wtp);
    const double p = wtp + wfp < 1e-9 ? 0 : wtp / (wtp + wfp), r = wtp + wfn < 1e-9 ? 0 : wtp / (wtp + wfn);
    return p + r < 1e-9 ? 0 : 2 * p * r / (p + r);
}

} // namespace

class TestProbeSession : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_model;

    ProbeRequest config(const QString& name, ScoringMode mode)
    {
        ProbeRequest c;
        c.needles = {defaultNeedles()[0], defaultNeedles()[1]};
        c.haystack = HaystackSpec::synthetic(3);
        c.lengths = {96, 160};
        c.depths = {0.0, 0.5, 1.0};
        c.maxNewTokens = 4;
        c.mode = mode;
        c.out = m_dir.filePath(name).toStdString();
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        TestModelSpec s;
        s.layers = 2;
        s.hidden = 32;
        s.heads = 4;
        s.kvHeads = 2;
        s.intermediate = 64;
        s.tieEmbeddings = true;
        s.seed = 11;
        s.tokenizerDir = fetchedTokenizerDir("llama3").toStdString();
        m_model = m_dir.filePath(QStringLiteral("model")).toStdString();
        writeTestModel(s, m_model);
    }

    void sessionEqualsComputation()
    {
        Engine engine;
        engine.load(m_model);
        const Tokenizer tok = Tokenizer::fromDirectory(m_model);
        ProbeRunner runner(engine, tok);
        int progressCalls = 0;
        const ProbeRequest c = config(QStringLiteral("all.h5"), ScoringMode::AllRows);
        const PreparedProbe prepared = prepareProbe(c, tok);
        const ProbeSummary s = runner.run(c, [&](const ProbeProgress& p) {
            ++progressCalls;
            QVERIFY(p.done <= p.total);
        });
        QCOMPARE(s.testsWritten, 12);
        QCOMPARE(progressCalls, 12);
        const auto reader = SessionReader::open(c.out);
        QCOMPARE(reader->tests().size(), std::size_t(12));
        QCOMPARE(reader->manifest().layers, 2);
        QCOMPARE(reader->manifest().tokenizerSha256, tok.sha256());
        for (const SessionTest& t : reader->tests()) {
            QCOMPARE(t.status, std::string("ok"));
            const auto steps = reader->steps(t.id);
            QCOMPARE(static_cast<int>(steps.size()), static_cast<int>(t.generatedIds.size()));
            std::vector<StepStats> stepStats;
            for (const StoredStep& st : steps)
                stepStats.push_back({st.token, st.rows, st.write, st.writeNeedle}); // with the write scores (§1G)
            // Recompute from the stored per-step statistics with the prompt's own ids.
            const Needle& needle = c.needles[static_cast<std::size_t>(t.needleIndex)];
            const BuiltPrompt prompt = buildPrompt(tok, prepared.haystackText, needle, t.length, t.depth, prepared.prompt);
            QCOMPARE(prompt.spanStart, t.spanStart);
            QCOMPARE(reader->promptIds(t.id), prompt.ids);
            const TestHeadScores again = scoreTest(stepStats, 2, 4, {t.spanStart, t.spanEnd}, prompt.ids, c.topK);
            for (HeadMetric m : allHeadMetrics())
                QCOMPARE(again.of(m), t.scores.of(m));
        }
        // Gates apply at read time: nothing passes a random model's ROUGE gate; everything passes "none".
        SessionQuery q;
        q.gate = Gate::Rouge1;
        q.threshold = 50;
        QCOMPARE(reader->aggregate(q).testsAccepted, 0);
        q.gate = Gate::None;
        const SessionAggregate all = reader->aggregate(q);
        QCOMPARE(all.testsAccepted, 12);
        q.lengths = {96};
        QCOMPARE(reader->aggregate(q).testsAccepted, 6);

        // HeadKV export → import: same matrix, same lists.
        const std::string json = exportHeadKvJson(all.mean, all.lists);
        const ImportedScores back = parseScoreFile(json, "roundtrip.json");
        QCOMPARE(back.matrix.values.size(), all.mean.values.size());
        for (std::size_t i = 0; i < all.mean.values.size(); ++i)
            QVERIFY(std::abs(back.matrix.values[i] - all.mean.values[i]) <= 1e-12 * std::max(1.0, std::abs(all.mean.values[i])));
        QVERIFY(back.canonicalOrder);
    }

    void lastRowModeMatchesIndependentComputation()
    {
        Engine engine;
        engine.load(m_model);
        const Tokenizer tok = Tokenizer::fromDirectory(m_model);
        ProbeRunner runner(engine, tok);
        const ProbeRequest c = config(QStringLiteral("last.h5"), ScoringMode::LastPromptRow);
        const PreparedProbe prepared = prepareProbe(c, tok);
        runner.run(c);
        const auto reader = SessionReader::open(c.out);
        QCOMPARE(reader->manifest().mode, std::string("last-row"));
        for (const SessionTest& t : reader->tests()) {
            const BuiltPrompt prompt =
                buildPrompt(tok, prepared.haystackText, c.needles[static_cast<std::size_t>(t.needleIndex)], t.length, t.depth,
                            prepared.prompt);
            RawRows raw;
            GenerateOptions o;
            o.maxNewTokens = 1;
            engine.generate(prompt.ids, o, &raw);
            for (int layer = 0; layer < 2; ++layer)
                for (int head = 0; head < 4; ++head) {
                    const auto& [rows, keys] = raw.rows.at(layer);
                    const double expected = infScore(rows.data() + head * keys, keys, t.spanStart, t.spanEnd, c.topK);
                    const double stored = t.scores.of(HeadMetric::Inf)[static_cast<std::size_t>(layer * 4 + head)];
                    QVERIFY2(std::abs(expected - stored) < 1e-6,
                             qPrintable(QStringLiteral("test %1 head %2-%3: %4 vs %5").arg(t.id).arg(layer).arg(head).arg(expected).arg(stored)));
                }
        }
    }

    void fullRowsForChosenTests()
    {
        Engine engine;
        engine.load(m_model);
        const Tokenizer tok = Tokenizer::fromDirectory(m_model);
        ProbeRunner runner(engine, tok);
        ProbeRequest c = config(QStringLiteral("rows.h5"), ScoringMode::AllRows);
        c.lengths = {96};
        c.storeRowsOf = {1, 4};
        runner.run(c);
        const auto reader = SessionReader::open(c.out);
        const SessionManifest& m = reader->manifest();
        for (const SessionTest& t : reader->tests()) {
            const std::vector<int> stored = reader->fullRowSteps(t.id);
            if (t.id != 1 && t.id != 4) {
                QVERIFY(stored.empty());
                QVERIFY_THROWS_EXCEPTION(FormatError, reader->fullRows(t.id, 0));
                continue;
            }
            const std::vector<StoredStep> steps = reader->steps(t.id);
            QCOMPARE(stored.size(), steps.size());
            QCOMPARE(reader->promptIds(t.id).size(), std::size_t(t.promptLength));
            for (int step : stored) {
                int64_t length = 0;
                const std::vector<float> rows = reader->fullRows(t.id, step, &length);
                QCOMPARE(length, t.promptLength + step); // row r_t sees the prompt and t generated tokens
                QCOMPARE(rows.size(), std::size_t(m.layers * m.heads * length));
                for (int cell = 0; cell < m.layers * m.heads; ++cell) {
                    const float* row = rows.data() + std::size_t(cell) * std::size_t(length);
                    double sum = 0.0;
                    for (int64_t j = 0; j < length; ++j)
                        sum += row[j];
                    QVERIFY2(std::abs(sum - 1.0) < 5e-3, qPrintable(QString::number(sum)));
                    // The float16 row agrees with the float32 top-K and needle mass kept as stats.
                    const RowStats& stats = steps[std::size_t(step)].rows[std::size_t(cell)];
                    for (std::size_t k = 0; k < stats.topIndices.size(); ++k)
                        QVERIFY(std::abs(row[stats.topIndices[k]] - stats.topWeights[k]) <= 1e-3 * stats.topWeights[k] + 1e-6);
                    double needle = 0.0;
                    for (int64_t j = t.spanStart; j < t.spanEnd; ++j)
                        needle += row[j];
                    QVERIFY(std::abs(needle - stats.needleMass) < 2e-3);
                }
            }
        }
    }

    // Ctrl-C, kill (SIGTERM: also what Slurm sends before it requeues or cancels a job) and a
    // closed terminal (SIGHUP) all stop the probe cleanly with the shell's 128 + signal status.
    void signalLeavesAValidSession_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGINT") << int(SIGINT);
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGHUP") << int(SIGHUP);
    }

    void signalLeavesAValidSession()
    {
        QFETCH(int, signal);
        const QString out = m_dir.filePath(QStringLiteral("interrupted_%1.h5").arg(signal));
        QProcess probe;
        probe.start(QStringLiteral(HEADSCOPE_CLI_PATH),
                    {QStringLiteral("probe"), QStringLiteral("--model_path"), QString::fromStdString(m_model),
                     QStringLiteral("--synthetic-haystack"), QStringLiteral("--lengths"), QStringLiteral("400,600,800"),
                     QStringLiteral("--depths"), QStringLiteral("0,25,50,75,100"), QStringLiteral("--max-new-tokens"),
                     QStringLiteral("8"), QStringLiteral("--out"), out});
        QVERIFY(probe.waitForStarted());
        QElapsedTimer timer;
        timer.start();
        QByteArray err;
        while (timer.elapsed() < 60000 && probe.state() == QProcess::Running && err.count("/45") < 2) {
            probe.waitForReadyRead(100);
            err += probe.readAllStandardError();
        }
        QVERIFY2(probe.state() == QProcess::Running, "probe finished before it could be interrupted");
        ::kill(static_cast<pid_t>(probe.processId()), signal);
        QVERIFY(probe.waitForFinished(60000));
        err += probe.readAllStandardError();
        QCOMPARE(probe.exitStatus(), QProcess::NormalExit); // handled, not killed by the signal
        QCOMPARE(probe.exitCode(), 128 + signal);
        QVERIFY2(err.contains("interrupted"), err.constData());
        QVERIFY(err.contains("--resume"));
        const auto reader = SessionReader::open(out.toStdString());
        const auto n = reader->tests().size();
        QVERIFY2(n >= 2 && n < 45, qPrintable(QString::number(n)));
        for (const SessionTest& t : reader->tests())
            QVERIFY(!reader->steps(t.id).empty()); // every test on disk is complete
    }

    void killedRunResumes()
    {
        const QString out = m_dir.filePath(QStringLiteral("killed.h5"));
        const QStringList args = {QStringLiteral("probe"), QStringLiteral("--model_path"), QString::fromStdString(m_model),
                                  QStringLiteral("--synthetic-haystack"), QStringLiteral("--lengths"),
                                  QStringLiteral("400,600,800"), QStringLiteral("--depths"), QStringLiteral("0,25,50,75,100"),
                                  QStringLiteral("--max-new-tokens"), QStringLiteral("8"), QStringLiteral("--out"), out};
        QProcess first;
        first.start(QStringLiteral(HEADSCOPE_CLI_PATH), args);
        QVERIFY(first.waitForStarted());
        // Kill as soon as a few tests are on disk (progress lines arrive on stderr).
        QElapsedTimer timer;
        timer.start();
        QByteArray err;
        while (timer.elapsed() < 60000 && first.state() == QProcess::Running) {
            first.waitForReadyRead(100);
            err += first.readAllStandardError();
            if (err.count("/45") >= 3)
                break;
        }
        QVERIFY2(first.state() == QProcess::Running, "probe finished before it could be killed");
        first.kill();
        first.waitForFinished();
        int before = 0;
        {
            const auto reader = SessionReader::open(out.toStdString()); // the killed file opens
            before = static_cast<int>(reader->tests().size());
        }
        QVERIFY2(before >= 3 && before < 45, qPrintable(QString::number(before)));
        QProcess second;
        second.start(QStringLiteral(HEADSCOPE_CLI_PATH), args + QStringList{QStringLiteral("--resume")});
        QVERIFY(second.waitForFinished(300000));
        QCOMPARE(second.exitCode(), 0);
        const auto reader = SessionReader::open(out.toStdString());
        QCOMPARE(reader->tests().size(), std::size_t(45));
        std::set<std::tuple<int, long long, int>> cells;
        for (const SessionTest& t : reader->tests())
            cells.insert({t.length, std::llround(t.depth * 100), t.needleIndex});
        QCOMPARE(cells.size(), std::size_t(45)); // every grid cell exactly once
        QVERIFY(QString::fromUtf8(second.readAllStandardOutput()).contains(QStringLiteral("%1 skipped").arg(before)));
    }
};

QTEST_GUILESS_MAIN(TestProbeSession)
#include "tst_probe_session.moc"
