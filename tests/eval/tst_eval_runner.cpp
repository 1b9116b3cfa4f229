// The eval run over a scripted FakeGenerator (no torch): each example answered once per
// configuration with the right options (answer length, stops, compression plan of the method at
// the budget), scored with its dataset's metric, written example by example; a stop request
// keeps the finished examples and --resume continues without redoing them; shards merged equal
// one run; the summary's bootstrap intervals; the kvpress export's folders and files.
#include "headscope/core/errors.h"
#include "headscope/core/eval_runner.h"
#include "headscope/core/kvpress_export.h"

#include "fakes/byte_tokenizer.h"
#include "fakes/fake_generator.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

using namespace headscope;
using testing::FakeGenerator;

namespace {

// Four RULER examples (answer "4719") and two LongBench ones (answer "Ann").
std::vector<EvalExample> examples()
{
    std::string text;
    for (int i = 0; i < 4; ++i)
        text += R"({"input": "The code is 4719. What is the code?\n", "answer_prefix": "Answer:", "outputs": ["4719"], "task": "niah_single", "max_length": 64, "max_new_tokens": 8})"
                "\n";
    for (int i = 0; i < 2; ++i)
        text += R"({"context": "Ann met Bob.", "input": "Who met Bob?", "answers": ["Ann"], "dataset": "hotpotqa"})"
                "\n";
    return parseEvalJsonl(text, "mem.jsonl");
}

// The fake's answer: the full cache and budgets of 32 or more answer right; smaller budgets
// answer "0000" on RULER prompts, the LongBench prompts always get "Ann".
FakeGenerator::Script answers()
{
    return [](const FakeGenerator::Call& call, int step) -> int32_t {
        bool longBench = false;
        for (std::size_t i = 0; i + 3 <= call.prompt.size(); ++i)
            if (call.prompt[i] == 'B' && call.prompt[i + 1] == 'o' && call.prompt[i + 2] == 'b')
                longBench = true;
        std::string answer = "4719\n";
        if (longBench)
            answer = "Ann\n";
        else if (call.options.compression && call.options.compression->plan.at(0, 0) + call.options.compression->plan.window < 32)
            answer = "0000\n";
        return static_cast<unsigned char>(answer[std::min<std::size_t>(static_cast<std::size_t>(step), answer.size() - 1)]);
    };
}

struct Fixture {
    QTemporaryDir dir;
    std::unique_ptr<Tokenizer> tok;
    Fixture()
    {
        testing::writeByteTokenizerModel(root() / "model");
        tok = std::make_unique<Tokenizer>(Tokenizer::fromDirectory(root() / "model"));
    }
    std::filesystem::path root() const { return dir.path().toStdString(); }
    std::filesystem::path file(const std::string& name) const { return root() / name; }
};

EvalRunConfig baseConfig(const std::filesystem::path& out)
{
    EvalRunConfig c;
    c.methods = {AllocationMethod::Uniform, AllocationMethod::Pyramid};
    c.budgets = {16, 64};
    c.params.window = 4;
    c.out = out;
    c.stopAtNewline = true;
    c.manifestFieldsJson = R"({"model": "fake", "data": "mem.jsonl"})";
    return c;
}

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestEvalRunner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runsEveryConfigurationAndScores()
    {
        Fixture f;
        FakeGenerator gen(testing::fakeModelConfig(2, 2), answers());
        const auto ex = examples();
        const EvalRunSummary s = runEval(gen, *f.tok, ex, baseConfig(f.file("r.h5")));
        QCOMPARE(s.examplesWritten, 6);
        // full + 2 methods × 2 budgets = 5 generations per example.
        QCOMPARE(gen.calls().size(), std::size_t(30));
        // The first call of each example is the full cache; its options carry the file's answer
        // length, EOS and newline stops.
        const auto& first = gen.calls().front().options;
        QVERIFY(!first.compression);
        QCOMPARE(first.maxNewTokens, 8);
        QVERIFY(std::find(first.stopTokens.begin(), first.stopTokens.end(), '\n') != first.stopTokens.end());
        QCOMPARE(gen.calls()[1].options.compression->plan.method, std::string("uniform"));
        QCOMPARE(gen.calls()[1].options.compression->plan.at(0, 0), int64_t(12)); // C = 16, window 4
        // LongBench examples get the built-in answer length (hotpotqa: 32).
        QCOMPARE(gen.calls()[20].options.maxNewTokens, 32);

        const auto reader = EvalReader::open(f.file("r.h5"));
        QCOMPARE(reader->records().size(), std::size_t(6));
        const EvalRecord& r0 = reader->records().front();
        QCOMPARE(r0.metric, std::string("string_match_all"));
        QCOMPARE(r0.outcomes.size(), std::size_t(5));
        QCOMPARE(r0.outcomes[0].prediction, std::string("4719\n"));
        QCOMPARE(r0.outcomes[0].score, 100.0);
        QCOMPARE(r0.outcome({"uniform", 16})->score, 0.0);
        QCOMPARE(r0.outcome({"uniform", 64})->score, 100.0);
        QCOMPARE(r0.outcome({"uniform", 16})->kvBytes, int64_t(1000) + r0.promptTokens); // the fake's bytes
        QCOMPARE(reader->promptIds(0).size(), static_cast<std::size_t>(r0.promptTokens));
        QCOMPARE(reader->records()[4].metric, std::string("qa_f1"));
        QCOMPARE(reader->records()[4].outcomes[0].score, 100.0);

        // Summary: niah_single full 100, uniform C=16 0 (difference −100 exactly), C=64 100.
        const auto rows = reader->summary();
        QCOMPARE(rows.size(), std::size_t(10)); // 2 datasets × 5 configurations
        QCOMPARE(rows[0].dataset, std::string("niah_single"));
        QCOMPARE(rows[0].maxLength, int64_t(64));
        QCOMPARE(rows[5].maxLength, int64_t(0));
        QCOMPARE(rows[0].score.mean, 100.0);
        QCOMPARE(rows[1].config, (EvalConfigKey{"uniform", 16}));
        QCOMPARE(rows[1].score.mean, 0.0);
        QCOMPARE(rows[1].vsFull->mean, -100.0);
        QCOMPARE(rows[1].vsFull->high, -100.0);
        QCOMPARE(rows[2].score.n, 4);
        QCOMPARE(rows[5].dataset, std::string("hotpotqa"));
        QCOMPARE(s.rows.size(), rows.size());
        QCOMPARE(s.rows[1].score.mean, rows[1].score.mean);
    }

    void refusesBadRequestsBeforeRunning()
    {
        Fixture f;
        FakeGenerator gen(testing::fakeModelConfig(2, 2), answers());
        EvalRunConfig c = baseConfig(f.file("bad.h5"));
        c.methods = {AllocationMethod::HeadKv};
        QVERIFY_THROWS_EXCEPTION(UsageError, runEval(gen, *f.tok, examples(), c)); // no scores
        c.methods = {AllocationMethod::Uniform};
        c.budgets = {4};
        QVERIFY_THROWS_EXCEPTION(UsageError, runEval(gen, *f.tok, examples(), c)); // budget ≤ window
        c = baseConfig(f.file("bad.h5"));
        const auto unknown = parseEvalJsonl(R"({"context": "c", "input": "q", "answers": ["a"], "dataset": "mine"})",
                                            "mem.jsonl");
        try {
            runEval(gen, *f.tok, unknown, c);
            QFAIL("expected a UsageError");
        } catch (const UsageError& e) {
            QVERIFY(std::string(e.what()).find("line 1: dataset 'mine' has no built-in prompt template") != std::string::npos);
        }
        QVERIFY(gen.calls().empty());
        QVERIFY(!std::filesystem::exists(f.file("bad.h5")));
        c.prompt.promptTemplate = "{context} {input}";
        runEval(gen, *f.tok, unknown, c); // with --template it runs
        QCOMPARE(gen.calls().size(), std::size_t(5));
        // An existing file without --resume is refused.
        QVERIFY_THROWS_EXCEPTION(UsageError, runEval(gen, *f.tok, unknown, c));
    }

    void stopKeepsFinishedExamplesAndResumeContinues()
    {
        Fixture f;
        const auto ex = examples();
        std::stop_source stop;
        FakeGenerator gen(testing::fakeModelConfig(2, 2), answers());
        // Stop during the third example's second configuration.
        gen.setBeforeStep([&](const FakeGenerator::Call&, int) {
            if (gen.calls().size() == 12)
                stop.request_stop();
        });
        EvalRunConfig c = baseConfig(f.file("r.h5"));
        QVERIFY_THROWS_EXCEPTION(CancelledError, runEval(gen, *f.tok, ex, c, {}, stop.get_token()));
        QCOMPARE(EvalReader::open(f.file("r.h5"))->records().size(), std::size_t(2));

        FakeGenerator again(testing::fakeModelConfig(2, 2), answers());
        c.resume = true;
        const EvalRunSummary s = runEval(again, *f.tok, ex, c);
        QCOMPARE(s.examplesSkipped, 2);
        QCOMPARE(s.examplesWritten, 4);
        QCOMPARE(again.calls().size(), std::size_t(20)); // only the four unfinished examples
        auto reader = EvalReader::open(f.file("r.h5"));
        QCOMPARE(reader->records().size(), std::size_t(6));

        // The resumed file equals one uninterrupted run (times aside).
        FakeGenerator once(testing::fakeModelConfig(2, 2), answers());
        runEval(once, *f.tok, ex, baseConfig(f.file("once.h5")));
        const auto a = reader->summary(), b = EvalReader::open(f.file("once.h5"))->summary();
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].score.mean, b[i].score.mean);
            QCOMPARE(a[i].score.low, b[i].score.low);
            QCOMPARE(a[i].score.high, b[i].score.high);
        }

        // Resuming with other settings is refused, naming the difference.
        reader.reset(); // HDF5 opens a file for writing only when nothing holds it open
        c.budgets = {16, 128};
        try {
            runEval(again, *f.tok, ex, c);
            QFAIL("expected a UsageError");
        } catch (const UsageError& e) {
            QVERIFY(std::string(e.what()).find("cannot resume") != std::string::npos);
        }
    }

    void shardsMergeIntoOneRun()
    {
        Fixture f;
        const auto ex = examples();
        for (int i = 0; i < 3; ++i) {
            FakeGenerator gen(testing::fakeModelConfig(2, 2), answers());
            EvalRunConfig c = baseConfig(f.file("s" + std::to_string(i) + ".h5"));
            c.shardIndex = i;
            c.shardCount = 3;
            const EvalRunSummary s = runEval(gen, *f.tok, ex, c);
            QCOMPARE(s.examplesWritten, 2);
            QCOMPARE(s.examplesSkipped, 4);
        }
        // Two of three shards: refused, or merged with the missing examples reported.
        QVERIFY_THROWS_EXCEPTION(UsageError, mergeEvalResults({f.file("s0.h5"), f.file("s1.h5")}, f.file("partial.h5")));
        QVERIFY(!std::filesystem::exists(f.file("partial.h5")));
        const EvalMergeReport partial =
            mergeEvalResults({f.file("s0.h5"), f.file("s1.h5")}, f.file("partial.h5"), /*allowMissing=*/true);
        QCOMPARE(partial.examples, 4);
        QCOMPARE(partial.missing, (std::vector<int>{2, 5}));
        // A shard given twice is refused.
        QVERIFY_THROWS_EXCEPTION(UsageError,
                                 mergeEvalResults({f.file("s0.h5"), f.file("s1.h5"), f.file("s1.h5")}, f.file("d.h5")));
        const EvalMergeReport full = mergeEvalResults({f.file("s2.h5"), f.file("s0.h5"), f.file("s1.h5")}, f.file("m.h5"));
        QCOMPARE(full.examples, 6);
        QVERIFY(full.missing.empty());
        QVERIFY(!full.upToDate);
        // Running the same merge again changes nothing; into a file holding something else it refuses.
        QVERIFY(mergeEvalResults({f.file("s0.h5"), f.file("s1.h5"), f.file("s2.h5")}, f.file("m.h5")).upToDate);
        QVERIFY_THROWS_EXCEPTION(UsageError, mergeEvalResults({f.file("s0.h5"), f.file("s1.h5"), f.file("s2.h5")},
                                                              f.file("partial.h5")));
        const auto merged = EvalReader::open(f.file("m.h5"));
        QCOMPARE(merged->manifest().shardCount, 1);
        QCOMPARE(merged->records().size(), std::size_t(6));
        QCOMPARE(merged->promptIds(3).size(), static_cast<std::size_t>(merged->records()[3].promptTokens));
        FakeGenerator gen(testing::fakeModelConfig(2, 2), answers());
        runEval(gen, *f.tok, ex, baseConfig(f.file("one.h5")));
        const auto a = merged->summary(), b = EvalReader::open(f.file("one.h5"))->summary();
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].score.mean, b[i].score.mean);
            QCOMPARE(a[i].score.low, b[i].score.low);
        }
        // A file of another evaluation is refused.
        FakeGenerator other(testing::fakeModelConfig(2, 2), answers());
        EvalRunConfig c = baseConfig(f.file("other.h5"));
        c.budgets = {16};
        runEval(other, *f.tok, ex, c);
        QVERIFY_THROWS_EXCEPTION(UsageError, mergeEvalResults({f.file("s0.h5"), f.file("other.h5")}, f.file("x.h5")));
        QVERIFY(EvalReader::isEvalFile(f.file("m.h5")));
        QVERIFY(!EvalReader::isEvalFile(f.file("nothing.h5")));
    }

    void kvpressExport()
    {
        Fixture f;
        FakeGenerator gen(testing::fakeModelConfig(2, 2), answers());
        runEval(gen, *f.tok, examples(), baseConfig(f.file("r.h5")));
        const auto reader = EvalReader::open(f.file("r.h5"));
        const auto folders = exportKvpress(reader->records(), reader->manifest().configs, f.file("kv"), "org--tiny");
        QCOMPARE(folders.size(), std::size_t(10)); // (ruler 64, longbench hotpotqa) × 5 configurations
        // The fake holds 1000 + prompt bytes whatever the budget, so the ratio is 0.00.
        const auto full = f.file("kv") / "ruler__64__org--tiny__no_press__0.00";
        QVERIFY(std::filesystem::exists(full / "predictions.csv"));
        QCOMPARE(slurp(full / "metrics.json"), std::string("{\n    \"niah_single\": {\n        \"string_match\": 100.0\n    }\n}\n"));
        const std::string csv = slurp(f.file("kv") / "ruler__64__org--tiny__headscope_uniform__0.00__budget16" / "predictions.csv");
        QVERIFY(csv.starts_with("question,answer_prefix,answer,task,max_new_tokens,predicted_answer,compression_ratio,"
                                "index,budget,kv_bytes,score\n"));
        // The prediction holds a newline, so it is quoted; the answer list is JSON with doubled quotes.
        QVERIFY(csv.find(",Answer:,\"[\"\"4719\"\"]\",niah_single,8,\"0000\n\",0.00,0,16,") != std::string::npos);
        QCOMPARE(slurp(f.file("kv") / "longbench__hotpotqa__org--tiny__no_press__0.00" / "metrics.json"),
                 std::string("100.0\n"));
        QVERIFY(slurp(f.file("kv") / "longbench__hotpotqa__org--tiny__no_press__0.00" / "config.yaml")
                    .find("press_name: \"no_press\"") != std::string::npos);
        // A second export into the same place is refused rather than mixed.
        QVERIFY_THROWS_EXCEPTION(UsageError,
                                 exportKvpress(reader->records(), reader->manifest().configs, f.file("kv"), "org--tiny"));
        QCOMPARE(kvpressModelName("meta-llama/Llama-3.1-8B-Instruct"), std::string("meta-llama--Llama-3.1-8B-Instruct"));
        QCOMPARE(kvpressModelName("/models/Qwen2-7B/"), std::string("Qwen2-7B"));
        QCOMPARE(csvField("a,b"), std::string("\"a,b\""));
        QCOMPARE(csvField("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
        QCOMPARE(csvField("plain"), std::string("plain"));
    }
};

QTEST_GUILESS_MAIN(TestEvalRunner)
#include "tst_eval_runner.moc"
