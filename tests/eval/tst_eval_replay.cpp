// Looking back at an eval file: the disagreements between compressed and full caches on
// hand-built records, and every configuration's compressed cache rebuilt from the manifest equal
// to the one the run handed the generator (plan, window, pooling, kernel, layout).
#include "headscope/core/errors.h"
#include "headscope/core/eval_replay.h"
#include "headscope/core/eval_runner.h"

#include "fakes/byte_tokenizer.h"
#include "fakes/fake_generator.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace headscope;
using testing::FakeGenerator;

namespace {

EvalOutcome outcome(const std::string& method, int64_t budget, double score)
{
    EvalOutcome o;
    o.config = {method, budget};
    o.score = score;
    return o;
}

} // namespace

class TestEvalReplay : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void disagreementsAreCompressedScoresUnlikeFull()
    {
        std::vector<EvalRecord> records(3);
        records[0].outcomes = {outcome("full", 0, 100), outcome("uniform", 32, 0), outcome("headkv", 32, 100)};
        records[1].outcomes = {outcome("uniform", 32, 0)}; // no full cache: nothing to disagree with
        records[2].outcomes = {outcome("full", 0, 50), outcome("uniform", 32, 50), outcome("headkv", 32, 40)};
        const std::vector<EvalDisagreement> d = evalDisagreements(records);
        QCOMPARE(d.size(), std::size_t(2));
        QCOMPARE(d[0].record, std::size_t(0));
        QCOMPARE(d[0].outcome, std::size_t(1));
        QCOMPARE(d[1].record, std::size_t(2));
        QCOMPARE(d[1].outcome, std::size_t(2));
    }

    void rebuildsEveryConfigurationsCache()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        testing::writeByteTokenizerModel(root / "model");
        const Tokenizer tok = Tokenizer::fromDirectory(root / "model");
        std::string text;
        for (int i = 0; i < 2; ++i)
            text += R"({"input": "The code is 4719, the door is red. What is the code?\n", "outputs": ["4719"], "task": "niah_single", "max_new_tokens": 4})"
                    "\n";
        const auto examples = parseEvalJsonl(text, "mem.jsonl");

        const ModelConfig model = testing::fakeModelConfig(2, 2);
        ScoreMatrix scores;
        scores.layers = static_cast<int>(model.numLayers);
        scores.heads = static_cast<int>(model.numHeads);
        for (int i = 0; i < scores.layers * scores.heads; ++i)
            scores.values.push_back(1.0 + i);
        scores.provenance = "scores:test.json";

        EvalRunConfig c;
        c.methods = {AllocationMethod::Uniform, AllocationMethod::Pyramid, AllocationMethod::HeadKv,
                     AllocationMethod::AdaKv};
        c.budgets = {12, 20};
        c.params.window = 4;
        c.params.beta = 2.0;
        c.params.adaFloorAlpha = 0.3;
        c.scores = scores;
        c.compression.pooling = Pooling::Avg;
        c.compression.poolingKernel = 3;
        c.compression.layout = CacheLayout::QueryHeadFlattened;
        c.compression.capacityAggregation = GroupAggregation::Max;
        c.out = root / "r.h5";
        FakeGenerator gen(model, [](const FakeGenerator::Call&, int) { return int32_t('4'); });
        runEval(gen, tok, examples, c);

        const auto reader = EvalReader::open(c.out);
        const EvalRunSettings s = evalRunSettings(reader->manifest(), "r.h5");
        QCOMPARE(s.params.window, 4);
        QCOMPARE(s.params.beta, 2.0);
        QCOMPARE(s.params.adaFloorAlpha, 0.3);
        QCOMPARE(s.scoresProvenance, std::string("scores:test.json"));
        const auto& configs = reader->manifest().configs;
        QCOMPARE(configs.size(), std::size_t(9));
        std::size_t call = 0;
        for (const EvalRecord& r : reader->records())
            for (const EvalConfigKey& key : configs) {
                const auto& used = gen.calls().at(call++).options.compression;
                const auto rebuilt = evalCompression(s, key, r.promptTokens, &scores, model);
                QCOMPARE(bool(rebuilt), bool(used));
                if (!used)
                    continue;
                QCOMPARE(rebuilt->plan.capacities, used->plan.capacities);
                QCOMPARE(rebuilt->plan.method, used->plan.method);
                QCOMPARE(rebuilt->plan.window, used->plan.window);
                QCOMPARE(rebuilt->describe(), used->describe());
            }
        QCOMPARE(call, gen.calls().size());

        // Score-driven methods need the scores; a manifest without the selection settings is
        // refused by name.
        QVERIFY_THROWS_EXCEPTION(UsageError, evalCompression(s, {"headkv", 12}, 30, nullptr, model));
        EvalManifest old = reader->manifest();
        old.json = R"({"window": 4, "beta": 1.5, "temp": 1, "floor_alpha": 0.2})";
        try {
            evalRunSettings(old, "old.h5");
            QFAIL("expected a FormatError");
        } catch (const FormatError& e) {
            QVERIFY(std::string(e.what()).find("old.h5") != std::string::npos);
            QVERIFY(std::string(e.what()).find("selection") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestEvalReplay)
#include "tst_eval_replay.moc"
