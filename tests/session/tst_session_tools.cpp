// Importing every published score file as a session gives the same matrix as importing it
// directly; merging shards joins their tests and refuses disagreeing manifests and duplicates.
#include "headscope/core/errors.h"
#include "headscope/core/session_tools.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace headscope;

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
        importScoresAsSession(file.toStdString(), out, HeadMetric::Retrieval, o);
        const auto reader = SessionReader::open(out);
        QCOMPARE(reader->manifest().layers, 32);
        QCOMPARE(reader->manifest().heads, 32);
        QVERIFY(reader->manifest().importedFrom.find(direct.sha256) != std::string::npos);
        SessionQuery q;
        q.metric = HeadMetric::Retrieval;
        const SessionAggregate a = reader->aggregate(q);
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
        {
            auto a = SessionWriter::create(path("a.h5"), manifest("n"));
            a->appendTest(test(0, 100, 1.0), {});
            auto b = SessionWriter::create(path("b.h5"), manifest("n"));
            b->appendTest(test(0, 200, 3.0), {});
        }
        QCOMPARE(mergeSessions({path("a.h5"), path("b.h5")}, path("ab.h5")), 2);
        const auto r = SessionReader::open(path("ab.h5"));
        QCOMPARE(r->tests().size(), std::size_t(2));
        SessionQuery q;
        QCOMPARE(r->aggregate(q).mean.values[0], 2.0);
        QCOMPARE(r->manifest().shardCount, 1);
    }

    void mergeRefusesMismatchAndDuplicates()
    {
        {
            auto c = SessionWriter::create(path("c.h5"), manifest("other needles"));
            c->appendTest(test(0, 100, 1.0), {});
        }
        try {
            mergeSessions({path("a.h5"), path("c.h5")}, path("ac.h5"));
            QFAIL("merged sessions with different needles");
        } catch (const UsageError& e) {
            QVERIFY2(std::string(e.what()).find("needles_jsonl") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(UsageError, mergeSessions({path("a.h5"), path("a.h5")}, path("aa.h5")));
        QVERIFY_THROWS_EXCEPTION(UsageError, mergeSessions({path("a.h5")}, path("single.h5")));
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
