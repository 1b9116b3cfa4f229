// Every HeadScope feature on every new family, end to end through the CLI on tiny random
// checkpoints that make-test-model writes: info (local layers, a skipped vision tower), probe
// (with stored rows), scores exported from the session, allocate from them, compare full vs
// compressed on a probe test. On families with sliding layers the observer sees what the model uses: a needle
// outside a local layer's window gets exactly zero attention there, and zero scores.
#include "headscope/core/session.h"

#include "cli/cli_process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace headscope;

namespace {

QString S(const char* s) { return QString::fromUtf8(s); }

QStringList split(const char* s) { return S(s).split(QLatin1Char(' '), Qt::SkipEmptyParts); }

} // namespace

class TestCliFamilies : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void probeAllocateCompare_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("makeArgs");
        QTest::addColumn<QString>("className");
        QTest::addColumn<QString>("localLayers"); // comma-separated, empty: none
        QTest::newRow("qwen3") << S("qwen3") << S("--arch qwen3 --head-dim 24 --tie-embeddings")
                               << S("Qwen3ForCausalLM") << QString();
        QTest::newRow("gemma2") << S("gemma2")
                                << S("--arch gemma2 --sliding-window 24 --attn-softcap 20 --final-softcap 15 "
                                     "--tie-embeddings")
                                << S("Gemma2ForCausalLM") << S("0,2");
        QTest::newRow("gemma3") << S("gemma3")
                                << S("--arch gemma3 --sliding-window 24 --layer-types sliding,full,sliding "
                                     "--rope-theta 1000000 --local-rope-theta 10000 --tie-embeddings")
                                << S("Gemma3ForCausalLM") << S("0,2");
        QTest::newRow("gemma3 multimodal") << S("gemma3mm")
                                           << S("--arch gemma3 --multimodal --sliding-window 24 "
                                                "--layer-types sliding,full,sliding --tie-embeddings")
                                           << S("Gemma3ForConditionalGeneration") << S("0,2");
        QTest::newRow("phi3") << S("phi3") << S("--arch phi3 --partial-rotary 0.5 --rope-scaling longrope")
                              << S("Phi3ForCausalLM") << QString();
    }

    void probeAllocateCompare()
    {
        QFETCH(QString, name);
        QFETCH(QString, makeArgs);
        QFETCH(QString, className);
        QFETCH(QString, localLayers);
        const QString model = m_dir.filePath(name);
        QStringList make = {S("make-test-model")};
        make += split("--layers 3 --hidden 64 --heads 4 --kv-heads 2 --intermediate 96 --byte-tokenizer --seed 5");
        make += makeArgs.split(QLatin1Char(' '));
        make += {S("--out"), model};
        CliResult r = runCli(make);
        QVERIFY2(r.exitCode == 0, r.err.constData());

        r = runCli({S("info"), S("--model"), model, S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject info = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(info[u"architecture"].toString(), className);
        QStringList sliding;
        for (const auto& v : info[u"sliding_layers"].toArray())
            sliding << QString::number(v.toInt());
        QCOMPARE(sliding.join(QLatin1Char(',')), localLayers);
        QCOMPARE(info[u"skipped"].toArray().isEmpty(), !className.contains(S("Conditional")));

        // Probe: one test, the needle at 10 % of a 200-token context, rows stored.
        const QString session = m_dir.filePath(name + S(".h5"));
        r = runCli({S("probe"), S("--model_path"), model, S("--synthetic-haystack"), S("--lengths"), S("200"),
                    S("--depths"), S("0.1"), S("--max-new-tokens"), S("3"), S("--store-rows"), S("all"), S("--out"),
                    session});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto reader = SessionReader::open(session.toStdString());
        const SessionTest& test = reader->tests().front();
        int64_t rowLength = 0;
        const std::vector<float> rows = reader->fullRows(test.id, 0, &rowLength); // [layers, heads, keys]
        const int layers = reader->manifest().layers, heads = reader->manifest().heads;
        QCOMPARE(rowLength, test.promptLength);
        SessionQuery q;
        q.metric = HeadMetric::Retrieval;
        const ScoreMatrix retrieval = reader->aggregate(q).mean;
        double globalNeedleMass = 0.0;
        for (int l = 0; l < layers; ++l) {
            const bool local = localLayers.split(QLatin1Char(',')).contains(QString::number(l));
            for (int h = 0; h < heads; ++h) {
                const float* row = rows.data() + (static_cast<std::size_t>(l) * heads + h) * rowLength;
                double needle = 0.0, outside = 0.0;
                for (int64_t j = test.spanStart; j < test.spanEnd; ++j)
                    needle += row[j];
                for (int64_t j = 0; j + 24 <= rowLength - 1; ++j) // keys the window hides from the last query
                    outside += row[j];
                if (local) {
                    QCOMPARE(needle, 0.0);
                    QCOMPARE(outside, 0.0);
                    QCOMPARE(retrieval.at(l, h), 0.0);
                } else {
                    globalNeedleMass += needle;
                }
            }
        }
        QVERIFY(globalNeedleMass > 0.0);

        // Export the probe's scores as a head-score file, allocate from it, then compare full vs
        // compressed on the probe test.
        const QString headScores = m_dir.filePath(name + S("_heads.json"));
        r = runCli({S("scores"), S("--session"), session, S("--metric"), S("inf"), S("--export"), S("headkv"),
                    S("--out"), headScores});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString budget = m_dir.filePath(name + S(".json"));
        r = runCli({S("allocate"), S("--scores"), headScores, S("--method"), S("headkv"), S("--model"), model, S("--base"),
                    S("16"), S("--window"), S("4"), S("--context-length"), QString::number(test.promptLength),
                    S("--out"), budget});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out.contains("local layers"), !localLayers.isEmpty());
        r = runCli({S("compare"), S("--model"), model, S("--budget"), budget, S("--session"), session, S("--test"),
                    QString::number(test.id), S("--max-new-tokens"), S("3"), S("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject cmp = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(cmp[u"steps"].toArray().size(), cmp[u"full"].toObject()[u"generated_ids"].toArray().size());
        const double fullBytes = cmp[u"full"].toObject()[u"kv_bytes"].toDouble();
        const double smallBytes = cmp[u"compressed"].toObject()[u"kv_bytes"].toDouble();
        QVERIFY2(smallBytes > 0 && fullBytes / smallBytes > 3.0, qPrintable(QString::number(fullBytes / smallBytes)));
        QCOMPARE(cmp[u"needle_kept"].toArray().size(), layers);
        // Local layers: the plan's 16 + 4 tokens per head are more than a 24-token window shows.
        QCOMPARE(cmp.contains(u"beyond_window_tokens"), !localLayers.isEmpty());
        if (!localLayers.isEmpty())
            QVERIFY(cmp[u"beyond_window_tokens"].toInteger() >= 0);
    }
};

QTEST_GUILESS_MAIN(TestCliFamilies)
#include "tst_cli_families.moc"
