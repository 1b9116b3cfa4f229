// Importing every published score file as a session gives the same matrix as importing it
// directly; merging shards joins their tests and refuses disagreeing manifests and duplicates.
#include "headscope/core/errors.h"
#include "headscope/core/session_tools.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace headscope;
namespace fs = std::filesystem;

#define QVERIFY_CONTAINS(text, part)                                                                                   \
    QVERIFY2(std::string(text).find(part) != std::string::npos, qPrintable(QString::fromStdString(std::string(text))))

namespace {

SessionManifest manifest(const std::string& needles)
{
    SessionManifest m;
    m.layers = 2;
    m.heads = 3;
    m.kvHeads = 3;
    m.needlesJsonl = needles;
    m.lengths = {100, 200};
    m.depths = {0.5};
    return m;
}

SessionTest test(int id, int length, double inf)
{
    SessionTest t;
    t.id = id;
    t.length = length;
    t.depth = 0.5;
    t.rouge1Recall = 100.0 * id;
    t.scores.layers = 2;
    t.scores.heads = 3;
    for (auto& v : t.scores.values)
        v.assign(6, 0.0);
    t.scores.values[static_cast<std::size_t>(HeadMetric::Inf)].assign(6, inf);
    return t;
}

} // namespace

class TestSessionTools : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string path(const char* name) { return m_dir.filePath(QLatin1String(name)).toStdString(); }

private Q_SLOTS:
    void importEveryPublishedFile_data()
    {
        QTest::addColumn<QString>("file");
        QDir root(QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/head_scores"));
        for (const QString& sub : {QStringLiteral("headkv"), QStringLiteral("dililazykv")})
            for (const QString& f : QDir(root.filePath(sub)).entryList({QStringLiteral("*.json")}, QDir::Files))
                QTest::newRow(qPrintable(sub + u'/' + f)) << root.filePath(sub + u'/' + f);
        QVERIFY(QTest::currentTestFunction() != nullptr);
    }

    void importEveryPublishedFile()
    {
        QFETCH(QString, file);
        static int n = 0;
        const std::string out = m_dir.filePath(QStringLiteral("imported%1.h5").arg(n++)).toStdString();
        ScoreFileImportOptions o;
        o.layers = 32;
        o.queryHeads = 32;
        const ImportedScores direct = importScoreFile(file.toStdString(), o);
        // No --metric: nested DiliLazyKV files hold the metric their section names, flat files retrieval.
        importScoresAsSession(file.toStdString(), out, ScoreImportRequest{}, o);
        const auto reader = SessionReader::open(out);
        QCOMPARE(reader->heldMetrics().size(), std::size_t(1));
        QCOMPARE(reader->manifest().layers, 32);
        QCOMPARE(reader->manifest().heads, 32);
        QVERIFY(reader->manifest().importedFrom.find(direct.sha256) != std::string::npos);
        SessionQuery q;
        q.metric = reader->defaultMetric();
        QCOMPARE(q.metric, direct.section.empty() ? HeadMetric::Retrieval : HeadMetric::Dili); // head_dili.json
        const SessionAggregate a = reader->aggregateStrict(q);
        QCOMPARE(a.testsAccepted, std::max(1, direct.maxListLength));
        for (std::size_t c = 0; c < direct.matrix.values.size(); ++c)
            QVERIFY2(std::abs(a.mean.values[c] - direct.matrix.values[c]) <= 1e-12 * std::max(1.0, std::abs(direct.matrix.values[c])),
                     qPrintable(QStringLiteral("head %1: %2 vs %3").arg(c).arg(a.mean.values[c]).arg(direct.matrix.values[c])));
    }

    void aggregationAppliesTheGateAtReadTime()
    {
        // Five tests with known gate values and per-head InfScores; the same file answers every
        // gate and threshold without re-running.
        {
            auto w = SessionWriter::create(path("gated.h5"), manifest("n"));
            const double rouge[] = {20.0, 50.0, 50.5, 80.0, 100.0};
            const double f1[] = {90.0, 10.0, 60.0, 0.0, 70.0};
            for (int i = 0; i < 5; ++i) {
                SessionTest t = test(i, i < 3 ? 100 : 200, 0.0);
                t.rouge1Recall = rouge[i];
                t.qaF1 = f1[i];
                auto& inf = t.scores.values[static_cast<std::size_t>(HeadMetric::Inf)];
                for (int c = 0; c < 6; ++c)
                    inf[static_cast<std::size_t>(c)] = 10.0 * i + c; // head c of test i
                w->appendTest(t, {});
            }
        }
        const auto r = SessionReader::open(path("gated.h5"));
        auto meanOf = [&](Gate gate, double threshold, std::vector<int> lengths, int* accepted) {
            SessionQuery q;
            q.metric = HeadMetric::Inf;
            q.gate = gate;
            q.threshold = threshold;
            q.lengths = std::move(lengths);
            const SessionAggregate a = r->aggregate(q);
            *accepted = a.testsAccepted;
            return a;
        };
        int n = 0;
        // ROUGE-1 > 50 (strictly, as the references): tests 2, 3, 4 → head c mean = 30 + c.
        SessionAggregate a = meanOf(Gate::Rouge1, 50.0, {}, &n);
        QCOMPARE(n, 3);
        QCOMPARE(a.testsConsidered, 5);
        for (int c = 0; c < 6; ++c)
            QCOMPARE(a.mean.values[static_cast<std::size_t>(c)], 30.0 + c);
        QCOMPARE(a.lists[4], (std::vector<double>{24.0, 34.0, 44.0})); // head 1-1, accepted tests only
        // Raising the threshold afterwards: only test 4 (100) and 3 (80) pass > 79.
        a = meanOf(Gate::Rouge1, 79.0, {}, &n);
        QCOMPARE(n, 2);
        QCOMPARE(a.mean.values[0], 35.0);
        // The qa-F1 gate picks a different set: tests 0, 2, 4 → 20 + c.
        a = meanOf(Gate::QaF1, 50.0, {}, &n);
        QCOMPARE(n, 3);
        QCOMPARE(a.mean.values[5], 25.0);
        // Gate and grid filter together: length 100 and ROUGE > 50 → test 2 alone.
        a = meanOf(Gate::Rouge1, 50.0, {100}, &n);
        QCOMPARE(n, 1);
        QCOMPARE(a.mean.values[3], 23.0);
        // No gate: all five.
        a = meanOf(Gate::None, 50.0, {}, &n);
        QCOMPARE(n, 5);
        QCOMPARE(a.mean.values[0], 20.0);
        // Nothing passes: an empty aggregate, not a division by zero.
        a = meanOf(Gate::Rouge1, 100.0, {}, &n);
        QCOMPARE(n, 0);
        QCOMPARE(a.testsConsidered, 5);
    }

    void mergeShards()
    {
        // The grid is 2 lengths × 1 depth × 1 needle; test k belongs to shard k mod 2.
        {
            SessionManifest m0 = manifest("n"), m1 = manifest("n");
            m0.shardCount = m1.shardCount = 2;
            m1.shardIndex = 1;
            auto a = SessionWriter::create(path("a.h5"), m0);
            SessionTest t0 = test(0, 100, 1.0);
            t0.promptIds = {5, 6, 7};
            FullAttentionRows rows;
            rows.step = 0;
            rows.rowLength = 2;
            for (int i = 0; i < 2 * 3 * 2; ++i)
                rows.f16.push_back(static_cast<uint16_t>(0x3c00 + i)); // 1.0, 1.0009765625, … (exact halves)
            a->appendTest(t0, {}, {rows});
            auto b = SessionWriter::create(path("b.h5"), m1);
            b->appendTest(test(0, 200, 3.0), {});
        }
        // Inputs in any order: the merge is written in grid order.
        const MergeReport r = mergeSessions({path("b.h5"), path("a.h5")}, path("ab.h5"));
        QCOMPARE(r.tests, 2);
        QCOMPARE(r.gridTests, 2);
        QVERIFY(!r.upToDate);
        const auto merged = SessionReader::open(path("ab.h5"));
        QCOMPARE(merged->tests().size(), std::size_t(2));
        QCOMPARE(merged->tests()[0].length, 100);
        QCOMPARE(merged->tests()[1].length, 200);
        QCOMPARE(merged->tests()[1].id, 1);
        SessionQuery q;
        QCOMPARE(merged->aggregate(q).mean.values[0], 2.0);
        QCOMPARE(merged->manifest().shardCount, 1);
        QCOMPARE(merged->manifest().shardIndex, 0);
        // Prompt ids and stored full rows travel with their test.
        QCOMPARE(merged->promptIds(0), (std::vector<int32_t>{5, 6, 7}));
        const std::vector<float> f32 = merged->fullRows(0, 0);
        QCOMPARE(f32.size(), std::size_t(12));
        QCOMPARE(f32[1], 1.0009765625f);

        // Idempotent: the same merge again (a requeued merge job) writes nothing and succeeds.
        const auto before = fs::last_write_time(path("ab.h5"));
        QVERIFY(mergeSessions({path("a.h5"), path("b.h5")}, path("ab.h5")).upToDate);
        QVERIFY(fs::last_write_time(path("ab.h5")) == before);
        // An existing output that is something else is refused.
        {
            SessionWriter::create(path("other.h5"), manifest("n"));
        }
        QVERIFY_THROWS_EXCEPTION(UsageError, mergeSessions({path("a.h5"), path("b.h5")}, path("other.h5")));
    }

    void mergeRefusesOtherGridsDuplicatesAndGaps()
    {
        auto shard = [&](const char* name, const std::string& needles, int index, int length,
                         std::vector<int> lengths = {100, 200}) {
            SessionManifest m = manifest(needles);
            m.lengths = std::move(lengths);
            m.shardCount = 2;
            m.shardIndex = index;
            auto w = SessionWriter::create(path(name), m);
            if (length > 0)
                w->appendTest(test(0, length, 1.0), {});
        };
        shard("c.h5", "other needles", 1, 200);
        shard("d.h5", "n", 1, 100);     // a shard-0 test in shard 1
        shard("e.h5", "n", 1, 300);     // off the grid
        shard("f.h5", "n", 1, 200, {100, 200, 300}); // another grid
        auto refused = [&](std::vector<fs::path> inputs, const char* expected) {
            const std::string out = path("refused.h5");
            try {
                mergeSessions(inputs, out);
                QFAIL(qPrintable(QStringLiteral("merge accepted, expected: ") + QLatin1String(expected)));
            } catch (const UsageError& e) {
                QVERIFY2(std::string(e.what()).find(expected) != std::string::npos, e.what());
            }
            // A refused merge leaves nothing: no output, no temporary file.
            for (const auto& entry : fs::directory_iterator(m_dir.path().toStdString()))
                QVERIFY2(entry.path().filename().string().rfind("refused.h5", 0) != 0, entry.path().c_str());
        };
        refused({path("a.h5"), path("c.h5")}, "manifest key \"needles_jsonl\" differs");
        refused({path("a.h5"), path("f.h5")}, "manifest key \"lengths\" differs");
        refused({path("a.h5"), path("a.h5")}, "shard 0/2 is given twice");
        refused({path("a.h5"), path("d.h5")}, "which belongs to shard 0");
        refused({path("a.h5"), path("e.h5")}, "off the manifest's grid (length 300");
        refused({path("a.h5")}, "1 of 2 grid tests are missing (first: length 200 depth 0.5 needle 0); shards not given: 1/2");
        QVERIFY_THROWS_EXCEPTION(UsageError, mergeSessions({}, path("none.h5")));
        // --allow-missing merges what there is and lists the gap.
        MergeOptions lenient;
        lenient.allowMissing = true;
        const MergeReport partial = mergeSessions({path("a.h5")}, path("partial.h5"), lenient);
        QCOMPARE(partial.tests, 1);
        QCOMPARE(partial.missing, std::vector<std::string>{"length 200 depth 0.5 needle 0"});
        QCOMPARE(partial.missingShards, std::vector<int>{1});
        // An imported score file is not a probe shard.
        importScoresAsSession(fs::path(HEADSCOPE_TEST_FIXTURES_DIR) / "score_formats/duo_pattern", path("imp.h5"),
                              HeadMetric::Retrieval);
        refused({path("imp.h5"), path("a.h5")}, "imported from a score file");
    }

    void importKeepsItsMetricAndRefusesOthers()
    {
        const fs::path fixtures = fs::path(HEADSCOPE_TEST_FIXTURES_DIR) / "score_formats";
        ScoreFileImportOptions model;
        model.layers = 3;
        model.queryHeads = 8;
        model.kvHeads = 2;
        ScoreImportRequest request; // no metric: retrieval for a flat file
        const ImportedScores r = importScoresAsSession(fixtures / "duo_pattern", path("duo.h5"), request, model);
        QVERIFY(r.notes.front().find("expanded to 8 query heads") != std::string::npos);
        const auto reader = SessionReader::open(path("duo.h5"));
        QCOMPARE(reader->manifest().heads, 8);
        QCOMPARE(reader->manifest().kvHeads, 2);
        QCOMPARE(reader->manifest().metrics, std::vector<std::string>{"retrieval"});
        QCOMPARE(reader->heldMetrics(), std::vector<HeadMetric>{HeadMetric::Retrieval});
        QCOMPARE(reader->defaultMetric(), HeadMetric::Retrieval);
        SessionQuery q;
        q.metric = HeadMetric::Retrieval;
        const SessionAggregate a = reader->aggregateStrict(q);
        QCOMPARE(a.mean.at(0, 0), 0.60546875);
        QCOMPARE(a.mean.at(0, 3), 0.60546875); // query heads 0–3 share KV head 0
        QCOMPARE(a.mean.at(2, 4), 0.9921875);
        q.metric = HeadMetric::Inf; // the default metric of `scores`, which used to export zeros
        try {
            reader->aggregateStrict(q);
            QFAIL("an imported retrieval session answered --metric inf");
        } catch (const UsageError& e) {
            QVERIFY2(std::string(e.what()).find("holds metric retrieval (imported from a score file); --metric inf is "
                                                "not among them") != std::string::npos,
                     e.what());
        }
        // Without the model the KV heads stay KV heads, and the manifest says so.
        importScoresAsSession(fixtures / "duo_pattern", path("duo_kv.h5"), request, {});
        QCOMPARE(SessionReader::open(path("duo_kv.h5"))->manifest().headGranularity, std::string("kv"));

        // A nested DiliLazyKV file names its metrics: --metric picks the section; others are refused.
        {
            std::ofstream f(path("nested.json"));
            f << R"({"average_infscores_weighted": {"0-0": 0.5, "0-1": 0.25},
                     "average_precisions_weighted": {"0-0": 0.125, "0-1": 1.0}})";
        }
        ScoreImportRequest dili;
        dili.metric = HeadMetric::Dili;
        importScoresAsSession(path("nested.json"), path("dili.h5"), dili, {});
        const auto d = SessionReader::open(path("dili.h5"));
        QCOMPARE(d->heldMetrics(), std::vector<HeadMetric>{HeadMetric::Dili});
        q.metric = HeadMetric::Dili;
        QCOMPARE(d->aggregateStrict(q).mean.values, (std::vector<double>{0.125, 1.0}));
        importScoresAsSession(path("nested.json"), path("inf.h5"), ScoreImportRequest{}, {});
        QCOMPARE(SessionReader::open(path("inf.h5"))->heldMetrics(), std::vector<HeadMetric>{HeadMetric::Inf});
        ScoreImportRequest retrieval;
        retrieval.metric = HeadMetric::Retrieval;
        try {
            importScoresAsSession(path("nested.json"), path("retrieval.h5"), retrieval, {});
            QFAIL("imported a nested file under a metric it does not hold");
        } catch (const UsageError& e) {
            QVERIFY2(std::string(e.what()).find("average_infscores_weighted (inf), average_precisions_weighted (dili); "
                                                "--metric retrieval is not among them") != std::string::npos,
                     e.what());
        }
        QVERIFY(!fs::exists(path("retrieval.h5")));
    }

    void heldMetricsOfOlderSessions()
    {
        // An imported session written before the manifest listed its metric: the metric with values.
        SessionManifest m = manifest("n");
        m.mode = "imported";
        {
            auto w = SessionWriter::create(path("legacy.h5"), m);
            SessionTest t = test(0, 100, 0.0);
            t.scores.values[static_cast<std::size_t>(HeadMetric::Reasoning)].assign(6, 0.5);
            w->appendTest(t, {});
        }
        QCOMPARE(SessionReader::open(path("legacy.h5"))->heldMetrics(), std::vector<HeadMetric>{HeadMetric::Reasoning});
        QCOMPARE(SessionReader::open(path("gated.h5"))->heldMetrics().size(), std::size_t(kHeadMetricCount));
    }

    void strictAggregationSaysWhyNothingMatched()
    {
        const auto r = SessionReader::open(path("gated.h5")); // lengths 100, 200; depth 0.5; rouge1 up to 100
        auto why = [&](SessionQuery q) {
            try {
                r->aggregateStrict(q);
            } catch (const UsageError& e) {
                return std::string(e.what());
            }
            return std::string("(accepted)");
        };
        SessionQuery q;
        q.lengths = {999};
        QVERIFY_CONTAINS(why(q), "no test matches --lengths 999 (the session's tests have lengths 100, 200)");
        q.lengths = {};
        q.depths = {0.9};
        QVERIFY_CONTAINS(why(q), "no test matches --depths 0.9 (the session's tests have depths 0.5)");
        q.depths = {};
        q.gate = Gate::Rouge1;
        q.threshold = 100.0;
        QVERIFY_CONTAINS(why(q), "no test passes gate rouge1 > 100 (5 considered; the highest rouge1 is 100)");
        q.threshold = std::nan("");
        QVERIFY_CONTAINS(why(q), "--threshold: expected a finite number");
        q.threshold = 50.0;
        QCOMPARE(r->aggregateStrict(q).testsAccepted, 3);
        // The lenient call the GUI's live filters use still answers with an empty aggregate.
        q.lengths = {999};
        QCOMPARE(r->aggregate(q).testsConsidered, 0);
    }

    void readerErrors()
    {
        QVERIFY_THROWS_EXCEPTION(LoadError, SessionReader::open(path("missing.h5")));
        FILE* f = std::fopen(path("not.h5").c_str(), "w");
        std::fputs("not hdf5", f);
        std::fclose(f);
        QVERIFY_THROWS_EXCEPTION(FormatError, SessionReader::open(path("not.h5")));
        QVERIFY_THROWS_EXCEPTION(UsageError, SessionWriter::create(path("a.h5"), manifest("n"))); // exists
    }
};

QTEST_GUILESS_MAIN(TestSessionTools)
#include "tst_session_tools.moc"
