// A budget sweep in shards (sweep --shard i/n) on a scripted FakeGenerator: shard i runs the
// tests at positions i, i+n, …; the shards' files merge into the file one unsharded run writes;
// merge refuses shards of another sweep (naming the manifest key, expected and actual), a shard
// given twice, a missing shard, and an existing different output; a finished merge re-run writes
// nothing; --resume accepts a file of the same run and names the setting that differs otherwise.
#include "fakes/byte_tokenizer.h"
#include "fakes/fake_generator.h"

#include "headscope/core/budget_sweep.h"
#include "headscope/core/errors.h"
#include "headscope/core/sweep_shards.h"

#include <QTemporaryDir>
#include <QTest>

using namespace headscope;
using headscope::testing::FakeGenerator;
using headscope::testing::fakeModelConfig;

namespace {

const Needle kNeedle{"The secret code is 4817.", "What is the secret code?", "4817", "4817"};

// Outcomes that tell tests, methods and budgets apart (the fake answers every prompt alike).
void stamp(SweepResults& r)
{
    for (std::size_t t = 0; t < r.tests.size(); ++t) {
        const int id = r.tests[t].id;
        r.full[t].rouge1 = id + 0.5;
        r.full[t].text = "full " + std::to_string(id);
        for (std::size_t m = 0; m < r.methods.size(); ++m)
            for (std::size_t b = 0; b < r.budgets.size(); ++b) {
                r.at(m, b, t).qaF1 = id * 100.0 + static_cast<double>(m * 10 + b);
                r.at(m, b, t).text = r.methods[m] + " " + std::to_string(r.budgets[b]) + " " + std::to_string(id);
            }
    }
    r.manifestJson = R"({"model":"tiny","tests":"grid"})";
}

bool contains(const std::exception& e, const char* text) { return std::string(e.what()).find(text) != std::string::npos; }

} // namespace

class TestSweepShards : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::optional<Tokenizer> m_tokenizer;
    std::vector<SweepTest> m_tests; // 2 lengths × 3 depths = 6

    std::string path(const char* name) const { return m_dir.filePath(QString::fromUtf8(name)).toStdString(); }

    SweepResults run(int shardIndex, int shardCount) const
    {
        FakeGenerator g(fakeModelConfig(2, 2), [](const FakeGenerator::Call&, int step) { return step < 3 ? 52 : 257; });
        SweepConfig c;
        c.methods = {AllocationMethod::Uniform, AllocationMethod::Pyramid};
        c.budgets = {16, 32};
        c.params.window = 4;
        c.generation.maxNewTokens = 4;
        c.shardIndex = shardIndex;
        c.shardCount = shardCount;
        SweepResults r = runBudgetSweep(g, *m_tokenizer, m_tests, c);
        stamp(r);
        return r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const std::filesystem::path model = path("tokenizer");
        testing::writeByteTokenizerModel(model);
        m_tokenizer.emplace(Tokenizer::fromDirectory(model));
        ProbeRequest grid;
        grid.needles = {kNeedle};
        grid.haystack = HaystackSpec::synthetic(9);
        grid.lengths = {300, 400};
        grid.depths = {0.2, 0.5, 0.8};
        grid.out = path("unused.h5");
        m_tests = buildNeedleGrid(prepareProbe(grid, *m_tokenizer), *m_tokenizer);
        QCOMPARE(m_tests.size(), std::size_t(6));
    }

    void shardRunsItsPositions()
    {
        QCOMPARE(sweepShardSize(6, 0, 4), int64_t(2));
        QCOMPARE(sweepShardSize(6, 3, 4), int64_t(1));
        QCOMPARE(sweepShardSize(2, 2, 3), int64_t(0));
        const SweepResults r = run(1, 4);
        QCOMPARE(r.tests.size(), std::size_t(2));
        QCOMPARE(r.tests[0].id, m_tests[1].info.id);
        QCOMPARE(r.tests[1].id, m_tests[5].info.id);
        QCOMPARE(r.shardIndex, 1);
        QCOMPARE(r.shardCount, 4);
        QCOMPARE(r.testsTotal, 6);
        QVERIFY_THROWS_EXCEPTION(UsageError, run(4, 4));  // i outside 0 … n-1
        QVERIFY_THROWS_EXCEPTION(UsageError, run(6, 7));  // a shard without tests
        QVERIFY_THROWS_EXCEPTION(UsageError, run(0, 0));
    }

    void shardsMergeIntoTheUnshardedRun()
    {
        const std::string single = path("single.h5");
        writeSweepResults(single, run(0, 1));
        std::vector<std::filesystem::path> shards;
        for (int i = 0; i < 4; ++i) {
            shards.push_back(path(("shard-" + std::to_string(i) + ".h5").c_str()));
            writeSweepResults(shards.back(), run(i, 4));
        }
        const std::vector<std::filesystem::path> shuffled = {shards[2], shards[0], shards[3], shards[1]};
        const std::string merged = path("merged.h5");
        const SweepMergeReport report = mergeSweepResults(shuffled, merged);
        QCOMPARE(report.tests, 6);
        QCOMPARE(report.shardCount, 4);
        QVERIFY(!report.upToDate);
        const SweepResults a = readSweepResults(merged), b = readSweepResults(single);
        QCOMPARE(a.tests, b.tests);
        QVERIFY(a.full == b.full);
        QVERIFY(a.compressed == b.compressed);
        QCOMPARE(a.methods, b.methods);
        QCOMPARE(a.budgets, b.budgets);
        QCOMPARE(a.manifestJson, b.manifestJson); // shard 0/1 of 6 tests, like the single run
        QCOMPARE(a.shardCount, 1);

        // Re-running the merge writes nothing; a different file there is refused, or replaced with replace.
        QVERIFY(mergeSweepResults(shards, merged).upToDate);
        const std::string other = path("other.h5");
        writeSweepResults(other, run(0, 2));
        try {
            mergeSweepResults(shards, other);
            QFAIL("a different sweep file at --out was replaced");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "other.h5") && contains(e, "not the merge"), e.what());
        }
        QVERIFY(!mergeSweepResults(shards, other, /*replace=*/true).upToDate);
        QCOMPARE(readSweepResults(other).compressed, b.compressed);
    }

    void mergeRefusesWhatIsNotOneSweep()
    {
        std::vector<std::filesystem::path> shards;
        for (int i = 0; i < 3; ++i) {
            shards.push_back(path(("part-" + std::to_string(i) + ".h5").c_str()));
            writeSweepResults(shards.back(), run(i, 3));
        }
        const std::string out = path("refused.h5");
        try { // a missing shard
            mergeSweepResults({shards[0], shards[2]}, out);
            QFAIL("merged without shard 1");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "shard(s) 1 of 3 missing"), e.what());
        }
        try { // a shard given twice
            mergeSweepResults({shards[0], shards[1], shards[1], shards[2]}, out);
            QFAIL("merged a shard twice");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "are both shard 1/3"), e.what());
        }
        // A shard of another sweep: other budgets.
        SweepResults foreign = run(1, 3);
        foreign.budgets = {16, 48};
        const std::string foreignFile = path("foreign.h5");
        writeSweepResults(foreignFile, foreign);
        try {
            mergeSweepResults({shards[0], foreignFile, shards[2]}, out);
            QFAIL("merged a shard of another sweep");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "foreign.h5") && contains(e, "key \"budgets\": expected [16,32], got [16,48]"), e.what());
        }
        // A shard of another split (2 shards of the same sweep).
        const std::string half = path("half.h5");
        writeSweepResults(half, run(1, 2));
        try {
            mergeSweepResults({shards[0], half, shards[2]}, out);
            QFAIL("merged shards of different splits");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "key \"shard_count\": expected 3, got 2"), e.what());
        }
        QVERIFY(!std::filesystem::exists(out));
    }

    void resumeAcceptsOnlyTheSameRun()
    {
        const std::string done = path("done.h5");
        SweepResults r = run(2, 3);
        writeSweepResults(done, r);
        SweepResults expected = r; // what the run would write, before any generation
        expected.full.clear();
        expected.compressed.clear();
        expected.tests.clear();
        checkSweepResume(done, expected); // nothing to do: no throw
        expected.manifestJson = R"({"model":"tiny","tests":"grid","device":"cuda"})"; // another device is the same run
        checkSweepResume(done, expected);
        expected.manifestJson = R"({"model":"other","tests":"grid"})";
        try {
            checkSweepResume(done, expected);
            QFAIL("resumed another sweep");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "done.h5") && contains(e, "key \"model\": expected \"other\", got \"tiny\""), e.what());
        }
        expected.manifestJson = r.manifestJson;
        expected.shardIndex = 1;
        try {
            checkSweepResume(done, expected);
            QFAIL("resumed another shard");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "key \"shard_index\": expected 1, got 2"), e.what());
        }
        try {
            checkSweepResume(path("absent.h5"), expected);
            QFAIL("resumed a file that does not exist");
        } catch (const UsageError& e) {
            QVERIFY2(contains(e, "absent.h5") && contains(e, "without --resume"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestSweepShards)
#include "tst_sweep_shards.moc"
