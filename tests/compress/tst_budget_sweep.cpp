// runBudgetSweep and its HDF5 file: a budget covering every prompt reproduces the full cache's
// answers for every method; smaller budgets hold fewer bytes; the file round-trips; requests
// that cannot run fail before any generation.
#include "engine/tiny_models.h"

#include "headscope/core/budget_sweep.h"
#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"
#include "headscope/engine/engine.h"

#include <QTemporaryDir>
#include <QTest>

using namespace headscope;

class TestBudgetSweep : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    Engine m_engine;
    std::optional<Tokenizer> m_tokenizer;
    std::vector<SweepTest> m_tests;

    SweepConfig config(std::vector<std::string> methods, std::vector<int64_t> budgets) const
    {
        SweepConfig c;
        c.methods = std::move(methods);
        c.budgets = std::move(budgets);
        c.params.window = 4;
        c.generation.maxNewTokens = 6;
        ScoreMatrix scores;
        scores.layers = static_cast<int>(m_engine.config().numLayers);
        scores.heads = static_cast<int>(m_engine.config().numHeads);
        for (int i = 0; i < scores.layers * scores.heads; ++i)
            scores.values.push_back(0.1 + 0.05 * i);
        c.scores = scores;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        TestModelSpec spec = tinyModelCases()[0].spec;
        spec.byteTokenizer = true;
        const std::string path = m_dir.filePath(QStringLiteral("m")).toStdString();
        writeTestModel(spec, path);
        m_engine.load(path);
        m_tokenizer.emplace(Tokenizer::fromDirectory(path));
        for (int i = 0; i < 3; ++i) {
            SweepTest t;
            t.info = {i, 60 + 20 * i, 0.5, i % 2, 60 + 20 * i};
            t.promptIds = testPrompt(60 + 20 * i, 250);
            t.needle = Needle{"the code is 42", "what is the code?", "the code is 42", "42"};
            m_tests.push_back(std::move(t));
        }
    }

    void coveringBudgetReproducesTheFullCache()
    {
        const SweepConfig c = config({"uniform", "pyramid", "adakv", "headkv", "dililazykv"}, {16, 256});
        int calls = 0, last = 0;
        const SweepResults r = runBudgetSweep(m_engine, *m_tokenizer, m_tests, c, [&](const SweepProgress& p) {
            ++calls;
            last = p.done;
            QCOMPARE(p.total, 3 * (1 + 5 * 2));
        });
        QCOMPARE(calls, 33);
        QCOMPARE(last, 33);
        QCOMPARE(r.full.size(), std::size_t(3));
        for (std::size_t m = 0; m < r.methods.size(); ++m)
            for (std::size_t t = 0; t < r.tests.size(); ++t) {
                QCOMPARE(r.at(m, 1, t).text, r.full[t].text); // C=256 keeps every prompt token
                QCOMPARE(r.at(m, 1, t).kvBytes, r.full[t].kvBytes);
                QVERIFY2(r.at(m, 0, t).kvBytes < r.full[t].kvBytes / 3, r.methods[m].c_str());
            }
        QCOMPARE(r.meanRouge1(0, 1), r.fullMeanRouge1());
    }

    void resultsRoundTripThroughHdf5()
    {
        SweepResults r = runBudgetSweep(m_engine, *m_tokenizer, m_tests, config({"uniform", "headkv"}, {12, 24}));
        r.full[1].rouge1 = 66.5; // values the random model cannot produce, to see them come back
        r.at(1, 0, 2).qaF1 = 12.25;
        r.at(0, 1, 0).text = "naïve ✓";
        r.manifestJson = R"({"model":"tiny"})";
        const auto file = m_dir.filePath(QStringLiteral("sweep.h5")).toStdString();
        writeSweepResults(file, r);
        const SweepResults back = readSweepResults(file);
        QCOMPARE(back.methods, r.methods);
        QCOMPARE(back.budgets, r.budgets);
        QCOMPARE(back.tests.size(), r.tests.size());
        QCOMPARE(back.tests[2].promptLength, int64_t(100));
        QCOMPARE(back.full[1].rouge1, 66.5);
        QCOMPARE(back.at(1, 0, 2).qaF1, 12.25);
        QCOMPARE(back.at(0, 1, 0).text, std::string("naïve ✓"));
        QCOMPARE(back.at(1, 1, 1).kvBytes, r.at(1, 1, 1).kvBytes);
        QVERIFY(back.manifestJson.find("\"model\": \"tiny\"") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(LoadError, readSweepResults(m_dir.filePath(QStringLiteral("missing.h5")).toStdString()));
    }

    void impossibleRequestsFailFirst()
    {
        int generations = 0;
        auto count = [&](const SweepProgress&) { ++generations; };
        QVERIFY_THROWS_EXCEPTION(UsageError, runBudgetSweep(m_engine, *m_tokenizer, m_tests, config({"magic"}, {16}), count));
        SweepConfig noScores = config({"uniform", "headkv"}, {16});
        noScores.scores.reset();
        QVERIFY_THROWS_EXCEPTION(UsageError, runBudgetSweep(m_engine, *m_tokenizer, m_tests, noScores, count));
        QVERIFY_THROWS_EXCEPTION(UsageError, runBudgetSweep(m_engine, *m_tokenizer, m_tests, config({"uniform"}, {4}), count));
        SweepConfig wrongShape = config({"headkv"}, {16});
        wrongShape.scores->layers = 7;
        QVERIFY_THROWS_EXCEPTION(UsageError, runBudgetSweep(m_engine, *m_tokenizer, m_tests, wrongShape, count));
        QCOMPARE(generations, 0);
    }
};

QTEST_GUILESS_MAIN(TestBudgetSweep)
#include "tst_budget_sweep.moc"
