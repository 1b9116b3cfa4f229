// Smoke tests of `headscope-cli allocate`: the HeadKV worked table (docs/algorithms.md §3A) through
// the CLI, the written budget file, DiliLazyKV totals, and the adakv / bad-input errors.
#include "headscope/core/budget_file.h"

#include "cli/cli_process.h"

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QDir>
#include <QFile>

#include <algorithm>

using namespace headscope;

namespace {
QString S(const char* text)
{
    return QString::fromUtf8(text);
}

const QString kScores = QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR) + S("/head_scores/");

CliResult runAllocate(const QStringList& args)
{
    return runCli(QStringList{S("allocate")} + args, 120000);
}

std::vector<qint64> capsOf(const QJsonObject& o)
{
    std::vector<qint64> caps;
    for (const auto& row : o[u"capacities"].toArray())
        for (const auto& v : row.toArray()) caps.push_back(v.toInteger());
    return caps;
}
} // namespace

class TestCliAllocate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void headKvTable_data()
    {
        QTest::addColumn<QString>("beta");
        QTest::addColumn<qint64>("minCap");
        QTest::addColumn<qint64>("maxCap");
        QTest::newRow("1.005") << S("1.005") << qint64(1) << qint64(1835);
        QTest::newRow("1.2") << S("1.2") << qint64(20) << qint64(1561);
        QTest::newRow("1.5") << S("1.5") << qint64(40) << qint64(1273);
    }
    void headKvTable()
    {
        QFETCH(QString, beta);
        QFETCH(qint64, minCap);
        QFETCH(qint64, maxCap);
        const QString out = S(HEADSCOPE_TEST_DATA_DIR) + S("/cli_allocate_") + beta + S(".json");
        const CliResult r = runAllocate({S("--scores"),
                                    kScores + S("headkv/Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads.json"),
                                    S("--method"), S("headkv"), S("--base"), S("128"), S("--window"), S("8"),
                                    S("--beta"), beta, S("--out"), out, S("--force"), S("--json")}); // rewritten every run
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"layers"].toInt(), 32);
        QCOMPARE(o[u"heads"].toInt(), 32);
        QCOMPARE(o[u"window"].toInt(), 8);
        const auto caps = capsOf(o);
        QCOMPARE(caps.size(), std::size_t{1024});
        QCOMPARE(*std::min_element(caps.begin(), caps.end()), minCap);
        QCOMPARE(*std::max_element(caps.begin(), caps.end()), maxCap);
        QCOMPARE(caps[15 * 32 + 30], maxCap);
        const BudgetPlan plan = readBudgetFile(out.toStdString());
        QCOMPARE(plan.at(15, 30), int64_t{maxCap});
        QCOMPARE(plan.method, std::string("headkv"));
        QVERIFY(plan.provenance.find("sha256:") != std::string::npos);
    }

    void diliLazyKvDefaultsAndKvGranularity()
    {
        // dililazykv defaults to window 16 and beta 1.351 (§3B): head_inf.json sums to 114 675.
        CliResult r = runAllocate({S("--scores"), kScores + S("dililazykv/head_inf.json"), S("--method"),
                              S("dililazykv"), S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"total_selected"].toInteger(), qint64(114675));
        QCOMPARE(o[u"window"].toInt(), 16);
        // KV granularity with max aggregation: 8 KV heads, bytes reported for every layout.
        r = runAllocate({S("--scores"), kScores + S("dililazykv/head_inf.json"), S("--method"), S("dililazykv"),
                    S("--granularity"), S("kv"), S("--group-agg"), S("max"), S("--heads"), S("32"),
                    S("--kv-heads"), S("8"), S("--head-dim"), S("128"), S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"heads"].toInt(), 8);
        QCOMPARE(o[u"granularity"].toString(), S("kv_head"));
        QVERIFY(o[u"bytes"].toObject().contains(u"gqa-flattened"));
        QVERIFY(o[u"bytes"].toObject()[u"query-head-flattened"].toObject()[u"total"].toInteger()
                > o[u"bytes"].toObject()[u"gqa-flattened"].toObject()[u"total"].toInteger());
    }

    void modelConfigGivesBytes()
    {
        // Llama-3-8B dimensions from a config.json: query-head layout bytes = logical tokens ×
        // 128 dims × 2 (K,V) × 2 (bf16) + 32 layers × (32 head_lens + 33 cu_klen) int32.
        const QString dir = S(HEADSCOPE_TEST_DATA_DIR) + S("/llama3_config");
        QDir().mkpath(dir);
        QFile cfg(dir + S("/config.json"));
        QVERIFY(cfg.open(QIODevice::WriteOnly | QIODevice::Truncate));
        cfg.write(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
            "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
            "num_key_value_heads": 8, "max_position_embeddings": 8192, "rope_theta": 500000.0,
            "rms_norm_eps": 1e-05, "torch_dtype": "bfloat16", "tie_word_embeddings": false})");
        cfg.close();
        const CliResult r = runAllocate({S("--model"), dir, S("--scores"),
                                    kScores + S("headkv/Meta-Llama-3-8B-Instruct_retrieval_heads.json"),
                                    S("--method"), S("headkv"), S("--context-length"), S("4096"), S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        const qint64 logical = o[u"logical_tokens"].toInteger();
        const QJsonObject bytes = o[u"bytes"].toObject();
        QCOMPARE(bytes[u"query-head-flattened"].toObject()[u"total"].toInteger(), logical * 512 + 32 * 65 * 4);
        QCOMPARE(o[u"full_cache_bytes"].toInteger(), qint64(32) * 8 * 4096 * 512);
    }

    void textTableAndErrors()
    {
        CliResult r = runAllocate({S("--method"), S("pyramid"), S("--layers"), S("32"), S("--heads"), S("4")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("    0   234   234.0     234"));
        QVERIFY(r.out.contains("   31    17    17.0      17"));
        r = runAllocate({S("--scores"), kScores + S("headkv/Meta-Llama-3-8B-Instruct_retrieval_heads.json"),
                    S("--method"), S("adakv"), S("--floor-alpha"), S("1.5")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("floor"));
        r = runAllocate({S("--method"), S("headkv"), S("--layers"), S("2"), S("--heads"), S("2")});
        QCOMPARE(r.exitCode, 2);
        r = runAllocate({S("--scores"), kScores + S("headkv/Meta-Llama-3-8B-Instruct_retrieval_heads.json"),
                    S("--method"), S("headkv"), S("--heads"), S("16")});
        QCOMPARE(r.exitCode, 1); // FormatError: 32 heads in the file
        QVERIFY(r.err.contains("head count"));
    }
};

QTEST_GUILESS_MAIN(TestCliAllocate)
#include "tst_cli_allocate.moc"
