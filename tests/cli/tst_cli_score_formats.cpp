// `headscope-cli import-scores` and `scores --export` with the new formats end to end: the shape
// report and its errors, the DuoAttention directory kvpress loads, QRHead and LU-KV exports, and
// the refusals that replaced silently written zeros (a metric the session does not hold, filters
// and gates that match nothing).
#include "headscope/core/score_formats.h"

#include "cli/cli_process.h"

#include <QtTest/QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <fstream>
#include <sstream>

using namespace headscope;

namespace {

const QString kFixtures = QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/score_formats/");

std::string readAll(const QString& path)
{
    std::ifstream in(path.toStdString(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestCliScoreFormats : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const char* name) const { return m_dir.filePath(QString::fromUtf8(name)); }

private Q_SLOTS:
    void importReportsTheShape()
    {
        CliResult r = runCli({QStringLiteral("import-scores"), kFixtures + QStringLiteral("duo_pattern"), QStringLiteral("--config"),
                              kFixtures + QStringLiteral("tiny_gqa_config.json"), QStringLiteral("--out"), path("duo.h5")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("(format duo)"), r.out.constData());
        QVERIFY2(r.out.contains("per KV head: 2 values per layer = num_key_value_heads (the model has 8 query heads)"),
                 r.out.constData());
        QVERIFY2(r.out.contains("expanded to 8 query heads"), r.out.constData());
        QVERIFY2(r.out.contains("session metric: retrieval"), r.out.constData());

        r = runCli({QStringLiteral("import-scores"), kFixtures + QStringLiteral("qrhead_tiny_top4.yaml"), QStringLiteral("--config"),
                    kFixtures + QStringLiteral("tiny_gqa_config.json"), QStringLiteral("--out"), path("qr.h5")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("file's model     headscope/tiny-gqa"));
        QVERIFY(r.out.contains("holds ranks, not scores"));

        // Without a model the report says the shape was not checked.
        r = runCli({QStringLiteral("import-scores"), kFixtures + QStringLiteral("compresskv_tiny_head_idx.json"),
                    QStringLiteral("--out"), path("ckv.h5")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("NOT checked against a model"), r.out.constData());

        // A file that does not fit the model: both shapes named, nothing written.
        r = runCli({QStringLiteral("import-scores"), kFixtures + QStringLiteral("duo_pattern"), QStringLiteral("--layers"),
                    QStringLiteral("32"), QStringLiteral("--heads"), QStringLiteral("32"), QStringLiteral("--kv-heads"),
                    QStringLiteral("8"), QStringLiteral("--out"), path("bad.h5")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("DuoAttention pattern has 3 layers × 2 heads; the model has 32 layers, 32 query heads, 8 KV heads"),
                 r.err.constData());
        QVERIFY(!QFile::exists(path("bad.h5")));
    }

    void exportsForKvpressAndQrHead()
    {
        // DuoAttention directory: query heads grouped back to the 2 KV heads exactly, rank-normalised.
        CliResult r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--export"),
                              QStringLiteral("duo"), QStringLiteral("--sink-size"), QStringLiteral("64"), QStringLiteral("--out"),
                              path("duo_out")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const std::string tsv = readAll(path("duo_out/full_attention_heads.tsv"));
        const ImportedScores back = scoreFormatForImport("duo").parse(tsv, "tsv", {});
        // α = 0.605, 0.025 / 1, 0 / 0.375, 0.992 rank 3, 1 / 5, 0 / 2, 4 of 0…5.
        QCOMPARE(back.matrix.values, (std::vector<double>{0.6, 0.2, 1.0, 0.0, 0.4, 0.8}));
        QVERIFY(readAll(path("duo_out/config.json")).find("\"sink_size\": 64") != std::string::npos);

        r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--export"),
                    QStringLiteral("qrhead"), QStringLiteral("--top-k"), QStringLiteral("2"), QStringLiteral("--out"), path("q.yaml")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(readAll(path("q.yaml")).find("attn_head_set: \"1-0,1-1\" # top2") != std::string::npos);

        r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--export"),
                    QStringLiteral("lukv"), QStringLiteral("--out"), path("curves.npy")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const NpyArray curves = readNpyFloat64(readAll(path("curves.npy")), "curves.npy");
        QCOMPARE(curves.shape, (std::vector<std::size_t>{99, 3, 2}));

        // The session was imported with its model: grouping by another KV-head count is refused.
        r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--export"),
                    QStringLiteral("duo"), QStringLiteral("--kv-heads"), QStringLiteral("4"), QStringLiteral("--out"),
                    path("duo_4")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("4 KV heads, but the session's model has 2"), r.err.constData());
        QVERIFY(!QFile::exists(path("duo_4")));

        r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--export"),
                    QStringLiteral("compresskv"), QStringLiteral("--out"), path("x.json")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("cannot be exported"), r.err.constData());
    }

    void refusesWhatUsedToBeSilentZeros()
    {
        // An imported retrieval session asked for InfScores (which it does not hold).
        CliResult r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--metric"),
                              QStringLiteral("inf"), QStringLiteral("--out"), path("zeros.json")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("holds metric retrieval (imported from a score file); --metric inf is not among them"),
                 r.err.constData());
        QVERIFY(!QFile::exists(path("zeros.json")));
        // Without --metric the session's own metric is used.
        r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--out"), path("own.json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("metric retrieval"), r.out.constData());
        r = runCli({QStringLiteral("inspect"), path("duo.h5"), QStringLiteral("--metric"), QStringLiteral("lazy")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.out.contains("metrics      retrieval (imported from"), r.out.constData());
        r = runCli({QStringLiteral("allocate"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--metric"),
                    QStringLiteral("inf"), QStringLiteral("--method"), QStringLiteral("headkv")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--metric inf is not among them"), r.err.constData());

        // Filters and gates that match nothing.
        r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--lengths"),
                    QStringLiteral("999"), QStringLiteral("--out"), path("none.json")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("no test matches --lengths 999"), r.err.constData());
        for (const char* threshold : {"100", "nan"}) {
            r = runCli({QStringLiteral("scores"), QStringLiteral("--session"), path("duo.h5"), QStringLiteral("--gate"),
                        QStringLiteral("rouge1"), QStringLiteral("--threshold"), QString::fromUtf8(threshold), QStringLiteral("--out"),
                        path("none.json")});
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains(threshold[0] == 'n' ? "--threshold" : "no test passes gate rouge1 > 100"),
                     r.err.constData());
        }
        QVERIFY(!QFile::exists(path("none.json")));
    }
};

QTEST_GUILESS_MAIN(TestCliScoreFormats)
#include "tst_cli_score_formats.moc"
