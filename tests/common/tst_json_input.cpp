// Every JSON input goes through one bounded reader (core/common/json_input): nesting 100 000
// levels deep is a FormatError naming the file (it used to overflow the stack when an error
// message dumped the value), a directory or a missing file is a LoadError saying so, and a
// top-level array or null is named in words rather than as a raw parser message.
#include "common/json_input.h"
#include "session/session_json.h"

#include "headscope/core/budget_file.h"
#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/score_file.h"
#include "headscope/core/sweep_results.h"
#include "headscope/core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace headscope;
namespace fs = std::filesystem;

namespace {

constexpr int kDeep = 100000;

// [[[[ ... ]]]] nested `levels` deep: deep enough to overflow any recursive walk.
std::string deepArray(int levels)
{
    return std::string(static_cast<std::size_t>(levels), '[') + std::string(static_cast<std::size_t>(levels), ']');
}

void writeAll(const fs::path& p, const std::string& data)
{
    std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

template <typename E>
void expectThrows(const std::function<void()>& f, std::initializer_list<const char*> fragments)
{
    try {
        f();
        QFAIL("no error");
    } catch (const E& e) {
        const std::string what = e.what();
        for (const char* fragment : fragments)
            QVERIFY2(what.find(fragment) != std::string::npos, qPrintable(QString::fromStdString(what)));
        QVERIFY2(what.find("json.exception") == std::string::npos, qPrintable(QString::fromStdString(what)));
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QStringLiteral("wrong exception type: ") + QString::fromUtf8(e.what())));
    }
}

} // namespace

class TestJsonInput : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path path(const char* name) const { return m_dir.filePath(QLatin1String(name)).toStdString(); }

private Q_SLOTS:
    void depthScanCountsOnlyStructure()
    {
        json_input::checkDepth(deepArray(json_input::kMaxDepth), "ok.json");
        expectThrows<FormatError>([] { json_input::checkDepth(deepArray(json_input::kMaxDepth + 1), "x.json"); },
                                  {"x.json", "nested deeper than 128 levels", "at byte 128"});
        // Brackets inside strings, escaped quotes included, are text, not nesting.
        const std::string inString = "{\"k\": \"\\\"" + deepArray(1000) + "\"}";
        QCOMPARE(json_input::parse(inString, "s.json")["k"].get<std::string>().size(), std::size_t(2001));
        // Unbalanced closers cannot hide an opener run.
        expectThrows<FormatError>([] { json_input::checkDepth("]]]]" + deepArray(200), "u.json"); }, {"u.json"});
    }

    void syntaxErrorsAreCleaned()
    {
        expectThrows<FormatError>([] { json_input::parse("{\"a\": nul}", "bad.json"); },
                                  {"bad.json: not valid JSON", "line 1, column"});
        expectThrows<FormatError>([] { json_input::parse("", "empty.json"); }, {"empty.json: not valid JSON"});
    }

    void keyOrderAndDuplicatesReported()
    {
        json_input::KeyOrder order;
        json_input::parse(R"({"b": {"y": 1, "x": 2}, "a": [{"k": 1}], "c": 1})", "o.json", order);
        QCOMPARE(order.top, (std::vector<std::string>{"b", "a", "c"}));
        QCOMPARE(order.nested.size(), std::size_t(1)); // objects inside arrays are not sections
        QCOMPARE(order.nested["b"], (std::vector<std::string>{"y", "x"}));
        QCOMPARE(order.firstDuplicate, std::string());
        json_input::parse(R"({"a": {"x": 1, "x": 2}, "b": 1})", "d.json", order);
        QCOMPARE(order.firstDuplicate, std::string("x"));
        json_input::parse(R"({"a": {"x": 1}, "b": {"x": 2}})", "d.json", order);
        QCOMPARE(order.firstDuplicate, std::string()); // the same key in two objects is fine
    }

    void filesNamedByKind()
    {
        expectThrows<LoadError>([&] { json_input::readObjectFile(path("absent.json"), "config.json"); },
                                {"absent.json: no such file"});
        fs::create_directories(path("a-dir"));
        expectThrows<LoadError>([&] { json_input::readObjectFile(path("a-dir"), "config.json"); },
                                {"a-dir: is a directory, expected a file"});
        writeAll(path("array.json"), "[1, 2]");
        expectThrows<FormatError>([&] { json_input::readObjectFile(path("array.json"), "config.json"); },
                                  {"array.json: expected a JSON object at the top level (config.json), got an array"});
        writeAll(path("null.json"), "null");
        expectThrows<FormatError>([&] { json_input::readObjectFile(path("null.json"), "config.json"); }, {"got null"});
    }

    // Each reader, with the deep value where its own error path used to dump it.
    void scoreFilesRefuseDeepNesting()
    {
        expectThrows<FormatError>([] { parseScoreFile(deepArray(kDeep), "deep_scores.json"); },
                                  {"deep_scores.json", "nested deeper"});
        expectThrows<FormatError>([] { parseScoreFile("{\"0-0\": " + deepArray(kDeep) + "}", "deep_scores.json"); },
                                  {"deep_scores.json", "nested deeper"});
        expectThrows<FormatError>([] { parseScoreFile("null", "null_scores.json"); }, {"null_scores.json", "found null"});
        fs::create_directories(path("scores-dir"));
        expectThrows<LoadError>([&] { importScoreFile(path("scores-dir")); }, {"is a directory"});
    }

    void budgetFilesRefuseDeepNesting()
    {
        expectThrows<FormatError>([] { parseBudgetPlan(deepArray(kDeep), "deep_budget.json"); },
                                  {"deep_budget.json", "nested deeper"});
        expectThrows<FormatError>([] { parseBudgetPlan("[1]", "list_budget.json"); },
                                  {"list_budget.json", "got an array"});
        fs::create_directories(path("budget-dir"));
        expectThrows<LoadError>([&] { readBudgetFile(path("budget-dir")); }, {"budget-dir: is a directory, expected a file"});
    }

    void configRefusesDeepNesting()
    {
        expectThrows<FormatError>(
            [] {
                parseModelConfig("{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": " + deepArray(kDeep) + "}",
                                 "deep_config.json");
            },
            {"deep_config.json", "nested deeper"});
        expectThrows<FormatError>([] { parseModelConfig("null", "null_config.json"); }, {"null_config.json", "got null"});
        fs::create_directories(path("config-dir"));
        expectThrows<LoadError>([&] { loadModelConfig(path("config-dir")); }, {"is a directory"});
    }

    void needlesRefuseDeepNesting()
    {
        expectThrows<FormatError>(
            [] { parseNeedles("{\"needle\": \"n\", \"question\": \"q\"}\n{\"needle\": " + deepArray(kDeep) + "}\n",
                              "deep.jsonl"); },
            {"deep.jsonl:2", "nested deeper"});
        expectThrows<FormatError>([] { parseNeedles("[1, 2]\n", "list.jsonl"); }, {"list.jsonl:1", "got an array"});
    }

    void tokenizerRefusesDeepNesting()
    {
        fs::create_directories(path("tok"));
        writeAll(path("tok") / "tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": " + deepArray(kDeep) + "}}");
        expectThrows<FormatError>([&] { Tokenizer::fromFile(path("tok") / "tokenizer.json"); },
                                  {"tokenizer.json", "nested deeper"});
        writeAll(path("tok") / "tokenizer.json", "[]");
        expectThrows<FormatError>([&] { Tokenizer::fromFile(path("tok") / "tokenizer.json"); }, {"got an array"});
        expectThrows<LoadError>([&] { Tokenizer::fromFile(path("tok")); }, {"is a directory"});
    }

    void safetensorsHeaderAndIndexRefuseDeepNesting()
    {
        const std::string header = "{\"w\": " + deepArray(kDeep) + "}";
        std::string file(8, '\0');
        for (int i = 0; i < 8; ++i)
            file[static_cast<std::size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
        writeAll(path("deep.safetensors"), file + header);
        expectThrows<FormatError>([&] { SafetensorsFile::open(path("deep.safetensors")); },
                                  {"deep.safetensors", "nested deeper"});

        TestModelSpec spec;
        spec.shards = 2;
        writeTestModel(spec, path("sharded"));
        writeAll(path("sharded") / "model.safetensors.index.json", "{\"weight_map\": " + deepArray(kDeep) + "}");
        expectThrows<FormatError>([&] { Checkpoint::open(path("sharded")); },
                                  {"model.safetensors.index.json", "nested deeper"});
    }

    void sessionRecordsRefuseDeepNesting()
    {
        expectThrows<FormatError>([] { session_json::manifestFromJson(deepArray(kDeep), "s.h5"); },
                                  {"s.h5: /manifest", "nested deeper"});
        expectThrows<FormatError>([] { session_json::manifestFromJson("null", "s.h5"); }, {"s.h5: /manifest", "got null"});
        expectThrows<FormatError>([] { session_json::testFromJson("{\"id\": " + deepArray(kDeep) + "}", "s.h5"); },
                                  {"s.h5: test record", "nested deeper"});
    }

    void sweepManifestRefusedBeforeWriting()
    {
        SweepResults r;
        r.manifestJson = deepArray(kDeep);
        expectThrows<FormatError>([&] { writeSweepResults(path("sweep.h5"), r); }, {"sweep.h5", "nested deeper"});
        QVERIFY(!fs::exists(path("sweep.h5"))); // nothing half-written
    }
};

QTEST_GUILESS_MAIN(TestJsonInput)
#include "tst_json_input.moc"
