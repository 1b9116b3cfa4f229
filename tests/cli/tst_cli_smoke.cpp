// headscope-cli as a user meets it: --version matches the project version, every command
// has --help, errors exit non-zero with a message on stderr, and make-test-model → info →
// generate work end to end with --json output.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
struct Result {
    int code;
    QString out, err;
};
Result cli(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(HEADSCOPE_CLI_PATH), args);
    p.waitForFinished(120000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}
} // namespace

class TestCliSmoke : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void version()
    {
        const Result r = cli({QStringLiteral("--version")});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QStringLiteral("headscope-cli " HEADSCOPE_VERSION));
    }

    void helpForEveryCommand()
    {
        const Result r = cli({QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        for (const char* c : {"info", "make-test-model", "generate", "tokenize"}) {
            QVERIFY2(r.out.contains(QLatin1String(c)), c);
            const Result h = cli({QLatin1String(c), QStringLiteral("--help")});
            QCOMPARE(h.code, 0);
            QVERIFY(h.out.startsWith(QStringLiteral("usage: headscope-cli ") + QLatin1String(c)));
        }
    }

    void errorsExitNonZero()
    {
        Result r = cli({QStringLiteral("frobnicate")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QStringLiteral("unknown command 'frobnicate'")));
        r = cli({QStringLiteral("info"), QStringLiteral("--model"), m_dir.filePath(QStringLiteral("none"))});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not a directory")), qPrintable(r.err));
        r = cli({QStringLiteral("generate"), QStringLiteral("--bogus")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QStringLiteral("unknown option --bogus")));
    }

    void makeInfoGenerate()
    {
        const QString model = m_dir.filePath(QStringLiteral("m"));
        Result r = cli({QStringLiteral("make-test-model"), QStringLiteral("--arch"), QStringLiteral("mistral"),
                        QStringLiteral("--layers"), QStringLiteral("2"), QStringLiteral("--hidden"), QStringLiteral("32"),
                        QStringLiteral("--heads"), QStringLiteral("4"), QStringLiteral("--kv-heads"), QStringLiteral("2"),
                        QStringLiteral("--intermediate"), QStringLiteral("64"), QStringLiteral("--vocab"), QStringLiteral("64"),
                        QStringLiteral("--shards"), QStringLiteral("2"), QStringLiteral("--seed"), QStringLiteral("3"),
                        QStringLiteral("--out"), model});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = cli({QStringLiteral("info"), QStringLiteral("--model"), model, QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        const QJsonObject info = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(info.value(QStringLiteral("architecture")).toString(), QStringLiteral("MistralForCausalLM"));
        QCOMPARE(info.value(QStringLiteral("kv_heads")).toInt(), 2);
        QCOMPARE(info.value(QStringLiteral("weight_files")).toInt(), 2);
        r = cli({QStringLiteral("generate"), QStringLiteral("--model"), model, QStringLiteral("--prompt-ids"),
                 QStringLiteral("1,5,9,13"), QStringLiteral("--max-new-tokens"), QStringLiteral("5"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject gen = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(gen.value(QStringLiteral("prompt_ids")).toArray().size(), 4);
        QCOMPARE(gen.value(QStringLiteral("generated_ids")).toArray().size(), 5);
        QVERIFY(gen.contains(QStringLiteral("prefill_ms")) && gen.contains(QStringLiteral("decode_ms_per_token")));
        // A load that cannot fit is refused before anything is allocated, naming the parts and the bound.
        r = cli({QStringLiteral("generate"), QStringLiteral("--model"), model, QStringLiteral("--prompt-ids"),
                 QStringLiteral("1,5"), QStringLiteral("--memory-limit"), QStringLiteral("0.00001")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("error: loading ")) && r.err.contains(QStringLiteral(" needs about ")) &&
                     r.err.contains(QStringLiteral("(weights ")) &&
                     r.err.contains(QStringLiteral("is available (memory limit 10 kB)")),
                 qPrintable(r.err));
        r = cli({QStringLiteral("generate"), QStringLiteral("--model"), model, QStringLiteral("--prompt-ids"),
                 QStringLiteral("1,5"), QStringLiteral("--device"), QStringLiteral("cuda")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QStringLiteral("CUDA")));
    }

    // The offline path the headless demo takes: a byte-level tokenizer written with the
    // checkpoint, text prompts, a probe whose random output is not valid UTF-8 (regression:
    // the session record must still be written), inspect and export.
    void byteTokenizerProbePipeline()
    {
        const QString model = m_dir.filePath(QStringLiteral("bytes"));
        Result r = cli({QStringLiteral("make-test-model"), QStringLiteral("--arch"), QStringLiteral("llama"),
                        QStringLiteral("--layers"), QStringLiteral("2"), QStringLiteral("--hidden"), QStringLiteral("64"),
                        QStringLiteral("--heads"), QStringLiteral("4"), QStringLiteral("--kv-heads"), QStringLiteral("2"),
                        QStringLiteral("--intermediate"), QStringLiteral("128"), QStringLiteral("--byte-tokenizer"),
                        QStringLiteral("--seed"), QStringLiteral("1"), QStringLiteral("--out"), model});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = cli({QStringLiteral("tokenize"), QStringLiteral("--model"), model, QStringLiteral("--text"),
                 QStringLiteral("Hé"), QStringLiteral("--json")});
        QCOMPARE(r.out.trimmed(), QStringLiteral("{\"ids\":[72,195,169]}"));
        r = cli({QStringLiteral("generate"), QStringLiteral("--model"), model, QStringLiteral("--prompt"),
                 QStringLiteral("The secret"), QStringLiteral("--max-new-tokens"), QStringLiteral("5"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject gen = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(gen.value(QStringLiteral("prompt_ids")).toArray().size(), 11); // BOS + 10 bytes
        QCOMPARE(gen.value(QStringLiteral("prompt_ids")).toArray().first().toInt(), 256);
        const QString session = m_dir.filePath(QStringLiteral("bytes.h5"));
        r = cli({QStringLiteral("probe"), QStringLiteral("--model_path"), model, QStringLiteral("--synthetic-haystack"),
                 QStringLiteral("--lengths"), QStringLiteral("300"), QStringLiteral("--depths"), QStringLiteral("0.5"),
                 QStringLiteral("--max-new-tokens"), QStringLiteral("4"), QStringLiteral("--out"), session});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("3 tests scored")));
        // The progress line names the compute dtype (f32 checkpoint → f32) and the peak memory.
        QVERIFY2(r.err.contains(QStringLiteral("3/3")) && r.err.contains(QStringLiteral("f32, peak ")), qPrintable(r.err));
        r = cli({QStringLiteral("inspect"), session, QStringLiteral("--top"), QStringLiteral("3")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("3 ok, 0 errors")));
        // The accuracy grid: one length column, one depth row, 3 tests (a random model copies nothing).
        QVERIFY2(r.out.contains(QStringLiteral("needle accuracy (ROUGE-1 recall > 50)")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("  all       0.0% (0 of 3)")), qPrintable(r.out));
        const QString exported = m_dir.filePath(QStringLiteral("heads.json"));
        r = cli({QStringLiteral("scores"), QStringLiteral("--session"), session, QStringLiteral("--export"),
                 QStringLiteral("headkv"), QStringLiteral("--out"), exported});
        QCOMPARE(r.code, 0);
        QFile f(exported);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray line = f.readLine();
        QVERIFY(line.startsWith("{\"0-0\": ["));
        QVERIFY(QJsonDocument::fromJson(line).object().contains(QStringLiteral("1-3")));

        // Budgets straight from the session, with its provenance; an impossible gate is refused.
        const QString budget = m_dir.filePath(QStringLiteral("budget.json"));
        r = cli({QStringLiteral("allocate"), QStringLiteral("--session"), session, QStringLiteral("--metric"),
                 QStringLiteral("inf"), QStringLiteral("--method"), QStringLiteral("headkv"), QStringLiteral("--base"),
                 QStringLiteral("32"), QStringLiteral("--out"), budget});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QFile b(budget);
        QVERIFY(b.open(QIODevice::ReadOnly));
        const QJsonObject plan = QJsonDocument::fromJson(b.readAll()).object();
        QCOMPARE(plan.value(QStringLiteral("provenance")).toString(), QStringLiteral("session:") + session);
        r = cli({QStringLiteral("allocate"), QStringLiteral("--session"), session, QStringLiteral("--method"),
                 QStringLiteral("headkv"), QStringLiteral("--gate"), QStringLiteral("rouge1"), QStringLiteral("--threshold"),
                 QStringLiteral("100")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("no test passes gate")), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliSmoke)
#include "tst_cli_smoke.moc"
