// The compression commands end to end: allocate → generate --budget → probe → compare
// --session, on a tiny checkpoint with the byte tokenizer; sweep whole and in merged shards; and
// their errors.
#include "headscope/core/checkpoint.h"
#include "headscope/core/session.h"
#include "headscope/core/sweep_results.h"

#include "cli/cli_process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace headscope;

namespace {

QString S(const char* s) { return QString::fromUtf8(s); }

} // namespace

class TestCliCompress : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model, m_session, m_budget;

    QString path(const char* name) const { return m_dir.filePath(S(name)); }

private Q_SLOTS:
    void initTestCase()
    {
        TestModelSpec spec;
        spec.layers = 3;
        spec.hidden = 64;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.intermediate = 96;
        spec.byteTokenizer = true;
        spec.seed = 11;
        m_model = path("model");
        writeTestModel(spec, m_model.toStdString());
        m_budget = path("budget.json");
        const CliResult a = runCli({S("allocate"), S("--method"), S("uniform"), S("--model"), m_model, S("--base"),
                                    S("24"), S("--window"), S("4"), S("--out"), m_budget});
        QVERIFY2(a.exitCode == 0, a.err.constData());
        m_session = path("probe.h5");
        const CliResult p = runCli({S("probe"), S("--model_path"), m_model, S("--synthetic-haystack"), S("--lengths"),
                                    S("350"), S("--depths"), S("0.5"), S("--max-new-tokens"), S("6"), S("--out"),
                                    m_session});
        QVERIFY2(p.exitCode == 0, p.err.constData());
    }

    void generateWithBudgetReportsTheCompressedCache()
    {
        const CliResult r = runCli({S("generate"), S("--model"), m_model, S("--prompt"),
                                    S("A long enough prompt that the budget of twenty-four tokens really compresses it."),
                                    S("--max-new-tokens"), S("5"), S("--budget"), m_budget, S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QVERIFY(o[u"compression"].toString().contains(S("layout=gqa-flattened")));
        const QJsonArray kept = o[u"kept_tokens"].toArray();
        QCOMPARE(kept.size(), 3);
        QCOMPARE(kept[0].toArray().size(), 2); // KV heads
        QCOMPARE(kept[0].toArray()[0].toInt(), 24);
        QCOMPARE(o[u"kv_bytes"].toInteger(), qint64(3 * 2 * 24 * 16 * 2 * 4));
    }

    void compareOnAProbeTest()
    {
        const CliResult r = runCli({S("compare"), S("--model"), m_model, S("--budget"), m_budget, S("--session"),
                                    m_session, S("--test"), S("1"), S("--max-new-tokens"), S("6"), S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"steps"].toArray().size(), o[u"full"].toObject()[u"generated_ids"].toArray().size());
        QVERIFY(o[u"needle_length"].toInt() > 0);
        QCOMPARE(o[u"needle_kept"].toArray().size(), 3);
        const double ratio = o[u"full"].toObject()[u"kv_bytes"].toDouble() / o[u"compressed"].toObject()[u"kv_bytes"].toDouble();
        QVERIFY2(ratio > 5.0, std::to_string(ratio).c_str());
        const CliResult text = runCli({S("compare"), S("--model"), m_model, S("--budget"), m_budget, S("--session"),
                                       m_session, S("--test"), S("0"), S("--max-new-tokens"), S("4")});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY(text.out.contains("needle tokens kept"));
        QVERIFY(text.out.contains("KV bytes"));
    }

    void sweepOverTheProbeSession()
    {
        const QString out = path("sweep.h5");
        const CliResult r = runCli({S("sweep"), S("--model"), m_model, S("--session"), m_session, S("--methods"),
                                    S("uniform,headkv,dililazykv"), S("--budgets"), S("12,500"), S("--window"), S("4"),
                                    S("--max-new-tokens"), S("4"), S("--out"), out, S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[u"tests"].toInt(), 3);
        // C=500 covers every prompt: the compressed answers are the full cache's.
        QCOMPARE(o[u"methods"].toObject()[u"headkv"].toObject()[u"500"].toObject()[u"rouge1"].toDouble(),
                 o[u"full"].toObject()[u"rouge1"].toDouble());
        const SweepResults back = readSweepResults(out.toStdString());
        QCOMPARE(back.methods, (std::vector<std::string>{"uniform", "headkv", "dililazykv"}));
        for (std::size_t t = 0; t < back.tests.size(); ++t)
            QCOMPARE(back.at(2, 1, t).text, back.full[t].text);
        QVERIFY(back.manifestJson.find("session") != std::string::npos);
        const CliResult text = runCli({S("sweep"), S("--model"), m_model, S("--lengths"), S("300"), S("--depths"),
                                       S("0.5"), S("--synthetic-haystack"), S("--methods"), S("uniform,adakv"),
                                       S("--budgets"), S("16"), S("--max-new-tokens"), S("3"), S("--out"),
                                       path("grid.h5")});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY(text.out.contains("adakv"));
        QVERIFY(text.out.contains("full cache"));
        const CliResult bad = runCli({S("sweep"), S("--model"), m_model, S("--methods"), S("uniform"), S("--out"),
                                      path("none.h5")});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("--synthetic-haystack"));
    }

    // sweep --shard i/n over the session's tests, merged, equals the unsharded sweep; --resume
    // keeps a finished shard and names the setting that differs from another run's file.
    void sweepShardsMergeAndResume()
    {
        auto sweep = [&](const QString& out, const QStringList& extra) {
            return runCli(QStringList{S("sweep"), S("--model"), m_model, S("--session"), m_session, S("--methods"),
                                      S("uniform,headkv"), S("--budgets"), S("12,500"), S("--window"), S("4"),
                                      S("--max-new-tokens"), S("4"), S("--out"), out}
                          << extra);
        };
        CliResult r = sweep(path("whole.h5"), {});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const char* i : {"0", "1"}) {
            r = sweep(path("part") + S(i) + S(".h5"), {S("--shard"), S(i) + S("/2")});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QVERIFY2(r.err.contains("shard " + QByteArray(i) + "/2, "), r.err.constData());
        }
        r = runCli({S("merge"), path("part0.h5"), S("--out"), path("parts.h5")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("shard(s) 1 of 2 missing"), r.err.constData());
        r = runCli({S("merge"), path("part1.h5"), path("part0.h5"), S("--out"), path("parts.h5")});
        QVERIFY2(r.exitCode == 0 && r.out.contains("3 tests from 2 of 2 sweep shards"), r.out.constData());
        const SweepResults merged = readSweepResults(path("parts.h5").toStdString());
        const SweepResults whole = readSweepResults(path("whole.h5").toStdString());
        QVERIFY(merged.tests == whole.tests);
        QVERIFY(merged.full == whole.full);
        QVERIFY(merged.compressed == whole.compressed);
        QCOMPARE(QJsonDocument::fromJson(QByteArray::fromStdString(merged.manifestJson)),
                 QJsonDocument::fromJson(QByteArray::fromStdString(whole.manifestJson)));

        r = sweep(path("part1.h5"), {S("--shard"), S("1/2"), S("--resume")});
        QVERIFY2(r.exitCode == 0 && r.out.contains("already holds this sweep (shard 1/2, 1 of 3 tests); nothing to do"),
                 r.out.constData());
        r = sweep(path("part1.h5"), {S("--shard"), S("0/2"), S("--resume")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("part1.h5") && r.err.contains("key \"shard_index\": expected 0, got 1"), r.err.constData());
        r = sweep(path("absent.h5"), {S("--shard"), S("1/2"), S("--resume")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("without --resume"), r.err.constData());
        r = sweep(path("part1.h5"), {S("--shard"), S("1/2")}); // no --resume, no --force: refused
        QCOMPARE(r.exitCode, 2);
        r = sweep(path("part9.h5"), {S("--shard"), S("3/3")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("0 <= i < n, got 3/3"), r.err.constData());
    }

    void errorsNameTheProblem()
    {
        CliResult r = runCli({S("compare"), S("--model"), m_model, S("--budget"), m_budget, S("--session"), m_session});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("--test"));
        r = runCli({S("compare"), S("--model"), m_model, S("--budget"), m_budget, S("--session"), m_session, S("--test"),
                    S("99")});
        QVERIFY(r.exitCode != 0);
        QVERIFY(r.err.contains("99"));
        // A session written before prompts were stored (the same test without its prompt ids):
        // the error says so.
        const QString noPrompts = path("no_prompts.h5");
        {
            const auto reader = SessionReader::open(m_session.toStdString());
            auto writer = SessionWriter::create(noPrompts.toStdString(), reader->manifest());
            SessionTest test = reader->tests().front();
            test.promptIds.clear();
            writer->appendTest(test, reader->steps(test.id));
        }
        r = runCli({S("compare"), S("--model"), m_model, S("--budget"), m_budget, S("--session"), noPrompts, S("--test"),
                    S("0")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("prompt_ids"), r.err.constData());
        // A budget for another model shape.
        const QString other = path("other.json");
        QCOMPARE(runCli({S("allocate"), S("--method"), S("uniform"), S("--layers"), S("5"), S("--heads"), S("4"),
                         S("--out"), other})
                     .exitCode,
                 0);
        r = runCli({S("generate"), S("--model"), m_model, S("--prompt-ids"), S("1,2,3"), S("--budget"), other});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("5 layers"), r.err.constData());
        r = runCli({S("generate"), S("--model"), m_model, S("--prompt-ids"), S("1,2,3"), S("--budget"), m_budget,
                    S("--kernel"), S("4")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("kernel"));
    }
};

QTEST_GUILESS_MAIN(TestCliCompress)
#include "tst_cli_compress.moc"
