// runBudgetSweep on the real engine: a budget covering every prompt reproduces the full cache's
// answers for every method, and smaller budgets hold fewer bytes. The sweep's logic without a
// model (requests that cannot run, the HDF5 round trip, scoring): tst_sweep_runs.
#include "engine/tiny_models.h"

#include "headscope/core/budget_sweep.h"
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

    SweepConfig config(std::vector<AllocationMethod> methods, std::vector<int64_t> budgets) const
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
        const SweepConfig c = config(allAllocationMethods(), {16, 256});
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
};

QTEST_GUILESS_MAIN(TestBudgetSweep)
#include "tst_budget_sweep.moc"
