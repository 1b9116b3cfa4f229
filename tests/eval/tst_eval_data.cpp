// eval's input: the JSONL readers on good files (LongBench and RULER fields, mixed, numbers as
// text) and bad ones (each error names the line and the field), the built-in LongBench table,
// template filling with str.format's rules, and prompt building with LongBench's middle
// truncation on a real (byte-level) tokenizer.
#include "headscope/core/errors.h"
#include "headscope/core/eval_data.h"
#include "headscope/core/eval_runner.h"

#include "fakes/byte_tokenizer.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace headscope;

namespace {

struct Message {
    std::string text;
    bool contains(const std::string& part) const { return text.find(part) != std::string::npos; }
    bool isEmpty() const { return text.empty(); }
};

// The message of the FormatError `text` raises, or "" when it parses.
Message errorOf(const std::string& text)
{
    try {
        parseEvalJsonl(text, "data.jsonl");
    } catch (const FormatError& e) {
        return {e.what()};
    }
    return {};
}

} // namespace

class TestEvalData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsLongBenchAndRuler()
    {
        const std::string text =
            R"({"input": "Who?", "context": "Ann met Bob.", "answers": ["Ann"], "length": 3, "dataset": "hotpotqa", "language": "en", "all_classes": null, "_id": "x1"})"
            "\n\n"
            R"({"index": 7, "input": "Text. Question?", "outputs": ["4719", 12], "answer_prefix": " Answer:", "task": "niah_single", "max_length": 4096, "length": 4000})"
            "\n";
        const auto ex = parseEvalJsonl(text, "data.jsonl");
        QCOMPARE(ex.size(), std::size_t(2));
        QCOMPARE(ex[0].format, EvalFormat::LongBench);
        QCOMPARE(ex[0].dataset, std::string("hotpotqa"));
        QCOMPARE(ex[0].context, std::string("Ann met Bob."));
        QCOMPARE(ex[0].answers, (std::vector<std::string>{"Ann"}));
        QVERIFY(ex[0].allClasses.empty()); // null is "absent"
        QCOMPARE(ex[0].id, std::string("x1"));
        QCOMPARE(*ex[0].length, int64_t(3));
        QCOMPARE(ex[0].line, 1);
        QCOMPARE(ex[1].format, EvalFormat::Ruler);
        QCOMPARE(ex[1].index, 1);
        QCOMPARE(ex[1].line, 3); // the blank line is skipped but counted
        QCOMPARE(ex[1].answers, (std::vector<std::string>{"4719", "12"}));
        QCOMPARE(ex[1].id, std::string("7"));
        QCOMPARE(ex[1].answerPrefix, std::string(" Answer:"));
        QCOMPARE(*ex[1].maxLength, int64_t(4096));
    }

    void badLinesNameLineAndField()
    {
        QVERIFY(errorOf("{\"input\": \"q\", \"context\": \"c\"}\n").contains("data.jsonl:1: missing field \"answers\""));
        QVERIFY(errorOf("{\"input\": \"q\", \"context\": \"c\", \"answers\": \"Ann\"}")
                    .contains("field \"answers\": expected a list of strings, got a string"));
        QVERIFY(errorOf("{\"input\": \"q\", \"context\": \"c\", \"answers\": [\"a\", {\"x\": 1}]}")
                    .contains("field \"answers\" item 1: expected a string, got an object"));
        QVERIFY(errorOf("{\"input\": \"q\", \"outputs\": []}").contains("expected at least one reference answer"));
        QVERIFY(errorOf("{\"outputs\": [\"a\"]}").contains("missing field \"input\""));
        QVERIFY(errorOf("{\"input\": 3, \"outputs\": [\"a\"]}").contains("field \"input\": expected a string, got a number (3)"));
        QVERIFY(errorOf("{\"input\": \"q\", \"outputs\": [\"a\"], \"max_new_tokens\": 0}")
                    .contains("field \"max_new_tokens\": expected an integer in 1..16777216"));
        // 2^32 + 1 was stored in an int as 1.
        QVERIFY(errorOf("{\"input\": \"q\", \"outputs\": [\"a\"], \"max_new_tokens\": 4294967297}")
                    .contains("field \"max_new_tokens\": expected an integer in 1..16777216, got a number (4294967297)"));
        QVERIFY(errorOf("{\"input\": \"q\", \"outputs\": [\"a\"], \"max_length\": 18446744073709551615}")
                    .contains("field \"max_length\": expected an integer in 1..16777216"));
        QVERIFY(errorOf("{\"input\": \"q\", \"outputs\": [\"a\"], \"length\": -1}")
                    .contains("field \"length\": expected an integer ≥ 0"));
        QVERIFY(errorOf("{\"question\": \"q\", \"answer\": \"a\"}")
                    .contains("data.jsonl:1: neither LongBench's fields (context, input, answers) nor RULER's (input, "
                              "outputs); the line has fields answer, question"));
        QVERIFY(errorOf("{\"input\": \"q\", \"answers\": [\"a\"], \"context\": \"c\", \"outputs\": [\"b\"]}")
                    .contains("has both"));
        QVERIFY(errorOf("{\"input\": \"q\", \"outputs\": [\"a\"]}\n{not json").contains("data.jsonl:2: not valid JSON"));
        QVERIFY(errorOf("[1, 2]").contains("data.jsonl:1: expected a JSON object per line, got an array"));
        QVERIFY(errorOf("\n \n").contains("no examples"));
        QVERIFY(errorOf("{\"input\": \"q\", \"outputs\": [\"a\"]}").isEmpty());
    }

    void unreadableFileIsALoadError()
    {
        QVERIFY_THROWS_EXCEPTION(LoadError, readEvalJsonl("/nonexistent/data.jsonl"));
    }

    void builtInTable()
    {
        QCOMPARE(longBenchDatasets().size(), std::size_t(16));
        const auto hotpot = longBenchRecipe("hotpotqa");
        QVERIFY(hotpot && hotpot->builtIn);
        QCOMPARE(hotpot->maxNewTokens, 32);
        QCOMPARE(hotpot->metric, EvalMetric::QaF1);
        QVERIFY(hotpot->chat);
        QCOMPARE(longBenchRecipe("hotpotqa_e")->promptTemplate, hotpot->promptTemplate); // LongBench-E
        const auto trec = longBenchRecipe("trec");
        QCOMPARE(trec->metric, EvalMetric::Classification);
        QCOMPARE(trec->cleanup, PredictionCleanup::FirstLine);
        QVERIFY(!trec->chat);
        QVERIFY(longBenchRecipe("samsum")->stopAtNewline);
        QCOMPARE(longBenchRecipe("gov_report")->maxNewTokens, 512);
        QVERIFY(!longBenchRecipe("multifieldqa_zh")); // English sets only
        QCOMPARE(rulerRecipe("qa_1").metric, EvalMetric::StringMatchPart);
        QCOMPARE(rulerRecipe("niah_multikey_2").metric, EvalMetric::StringMatchAll);
        QCOMPARE(rulerRecipe("vt").maxNewTokens, 30);
        QVERIFY(!rulerRecipe("mystery").builtIn);
    }

    void templateFillingIsOnePass()
    {
        QCOMPARE(fillPromptTemplate("C: {context} Q: {input}", "a {input} b", "q"), std::string("C: a {input} b Q: q"));
        QCOMPARE(fillPromptTemplate("{{literal}} {input}", "", "x"), std::string("{literal} x"));
        QVERIFY_THROWS_EXCEPTION(UsageError, fillPromptTemplate("{question}", "", ""));
        QVERIFY_THROWS_EXCEPTION(UsageError, fillPromptTemplate("{input", "", ""));
        QVERIFY_THROWS_EXCEPTION(UsageError, fillPromptTemplate("a } b", "", ""));
    }

    void promptsAreTruncatedInTheMiddle()
    {
        QTemporaryDir dir;
        testing::writeByteTokenizerModel(dir.path().toStdString());
        const Tokenizer tok = Tokenizer::fromDirectory(dir.path().toStdString());
        EvalExample e;
        e.format = EvalFormat::LongBench;
        e.context = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        e.input = "?";
        DatasetRecipe r;
        r.promptTemplate = "{context}{input}";
        // Byte tokenizer with BOS: 1 + 27 tokens. Limit 10 → first 5 (BOS + "ABCD") and last 5.
        const EvalPrompt p = buildEvalPrompt(tok, e, r, {}, 10);
        QVERIFY(p.truncated);
        QCOMPARE(p.originalTokens, int64_t(28));
        QCOMPARE(tok.decode(p.ids, true), std::string("ABCDWXYZ?"));
        QCOMPARE(p.ids.front(), *tok.bosId()); // one BOS, not two
        QCOMPARE(p.ids.size(), std::size_t(10));
        const EvalPrompt whole = buildEvalPrompt(tok, e, r, {}, 100);
        QVERIFY(!whole.truncated);
        QCOMPARE(tok.decode(whole.ids, true), e.context + "?");
        // RULER: the answer prefix follows the input; --template is for LongBench rows only.
        EvalExample ruler;
        ruler.format = EvalFormat::Ruler;
        ruler.input = "Text. Q?\n";
        ruler.answerPrefix = "Answer:";
        EvalPromptOptions o;
        o.promptTemplate = "ignored {context}";
        QCOMPARE(tok.decode(buildEvalPrompt(tok, ruler, rulerRecipe("niah"), o, 0).ids, true),
                 std::string("Text. Q?\nAnswer:"));
    }
};

QTEST_GUILESS_MAIN(TestEvalData)
#include "tst_eval_data.moc"
