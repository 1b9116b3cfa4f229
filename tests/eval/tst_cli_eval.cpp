// eval end to end on a tiny random checkpoint with the byte tokenizer: make-tasks writes RULER
// JSONL measured in that tokenizer, eval runs full + compressed configurations, two shards merged
// into one file, eval-report summarises and exports kvpress folders, --resume skips finished
// examples, and a bad input line is refused with its line and field.
#include "headscope/core/checkpoint.h"
#include "headscope/core/eval_results.h"

#include "cli/cli_process.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace headscope;

namespace {

QString S(const char* s) { return QString::fromUtf8(s); }

} // namespace

class TestCliEval : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model, m_tasks;

    QString path(const char* name) const { return m_dir.filePath(S(name)); }

    QStringList evalArgs(const QString& out) const
    {
        return {S("eval"), S("--model"), m_model, S("--data"), m_tasks, S("--methods"), S("full,uniform,adakv"),
                S("--budgets"), S("16,48"), S("--window"), S("4"), S("--max-new-tokens"), S("4"), S("--out"), out};
    }

private Q_SLOTS:
    void initTestCase()
    {
        TestModelSpec spec;
        spec.layers = 2;
        spec.hidden = 32;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.intermediate = 48;
        spec.byteTokenizer = true;
        spec.seed = 5;
        m_model = path("model");
        writeTestModel(spec, m_model.toStdString());
        m_tasks = path("tasks.jsonl");
        const CliResult r = runCli({S("make-tasks"), S("--kind"), S("single,multikey"), S("--lengths"), S("320"),
                                    S("--count"), S("2"), S("--tokenizer"), m_model, S("--out"), m_tasks});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("wrote"));
        QFile f(m_tasks);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 4);
    }

    // make-tasks follows the output rule: an existing file is replaced only with --force.
    void makeTasksRefusesToOverwrite()
    {
        const QStringList args = {S("make-tasks"), S("--kind"), S("single"), S("--lengths"), S("320"), S("--count"),
                                  S("1"), S("--tokenizer"), m_model, S("--out"), m_tasks};
        const CliResult again = runCli(args);
        QCOMPARE(again.exitCode, 2); // a usage error
        QVERIFY2(again.err.contains("--force"), again.err.constData());
        QFile f(m_tasks);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 4); // untouched
        f.close();
        const CliResult forced = runCli(QStringList(args) << S("--force"));
        QVERIFY2(forced.exitCode == 0, forced.err.constData());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 1);
        f.close();
        // Restore the two-kind file the other cases use.
        const CliResult back = runCli({S("make-tasks"), S("--kind"), S("single,multikey"), S("--lengths"), S("320"),
                                       S("--count"), S("2"), S("--tokenizer"), m_model, S("--out"), m_tasks, S("--force")});
        QVERIFY2(back.exitCode == 0, back.err.constData());
    }

    void shardsMergeAndReport()
    {
        for (int i = 0; i < 2; ++i) {
            const QString out = path(i == 0 ? "s0.h5" : "s1.h5");
            const CliResult s = runCli(evalArgs(out) << S("--shard") << QString::number(i) + S("/2"));
            QVERIFY2(s.exitCode == 0, s.err.constData());
            QVERIFY(s.out.contains("2 examples this run, 2 skipped"));
        }
        const CliResult m = runCli({S("merge"), path("s0.h5"), path("s1.h5"), S("--out"), path("merged.h5")});
        QVERIFY2(m.exitCode == 0, m.err.constData());
        QVERIFY(m.out.contains("4 examples from 2 files"));
        const auto merged = EvalReader::open(path("merged.h5").toStdString());
        QCOMPARE(merged->records().size(), std::size_t(4));
        QCOMPARE(merged->records()[3].outcomes.size(), std::size_t(5));

        const CliResult rep = runCli({S("eval-report"), path("merged.h5"), S("--json"), S("--export-kvpress"),
                                      path("kv"), S("--kvpress-model"), S("tiny")});
        QVERIFY2(rep.exitCode == 0, rep.err.constData());
        const QJsonArray rows = QJsonDocument::fromJson(rep.out).object().value(S("summary")).toArray();
        QCOMPARE(rows.size(), 2 * 5); // niah_single, niah_multikey × (full + 2 methods × 2 budgets)
        QCOMPARE(rows[0].toObject().value(S("method")).toString(), S("full"));
        QCOMPARE(rows[0].toObject().value(S("n")).toInt(), 2);
        QVERIFY(rows[1].toObject().value(S("kv_fraction_of_full")).toDouble() < 1.0); // compressed holds less
        QVERIFY(QFile::exists(path("kv") + S("/ruler__320__tiny__no_press__0.00/predictions.csv")));
        QVERIFY(QFile::exists(path("kv") + S("/ruler__320__tiny__no_press__0.00/metrics.json")));
    }

    void resumeSkipsFinishedExamples()
    {
        const CliResult first = runCli(evalArgs(path("r.h5")) << S("--limit") << S("1"));
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QVERIFY(first.out.contains("uniform C=16"));
        const CliResult same = runCli(evalArgs(path("r.h5")) << S("--limit") << S("1") << S("--resume"));
        QVERIFY2(same.exitCode == 0, same.err.constData());
        QVERIFY(same.out.contains("0 examples this run, 1 skipped"));
    }

    // A results file cut short or missing is explained as for sessions (one diagnosis), not as
    // HDF5's "cannot open".
    void damagedResultsFileExplained()
    {
        const CliResult first = runCli(evalArgs(path("cut.h5")) << S("--limit") << S("1"));
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QFile full(path("cut.h5"));
        QVERIFY(full.open(QIODevice::ReadOnly));
        const QByteArray bytes = full.readAll();
        QFile cut(path("cut_short.h5"));
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(bytes.left(bytes.size() / 2));
        cut.close();
        const CliResult r = runCli({S("eval-report"), path("cut_short.h5")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("cut_short.h5: truncated: the file ends at byte " + QByteArray::number(bytes.size() / 2) +
                                " of " + QByteArray::number(bytes.size())),
                 r.err.constData());
        QVERIFY2(!r.err.contains("HDF5-DIAG"), r.err.constData());
        const CliResult missing = runCli({S("eval-report"), path("nowhere.h5")});
        QVERIFY2(missing.err.contains("nowhere.h5: no such file (expected eval results file)"), missing.err.constData());
    }

    void badInputNamesLineAndField()
    {
        QFile f(path("bad.jsonl"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"input\": \"q\", \"outputs\": [\"a\"]}\n{\"input\": \"q\", \"context\": \"c\", \"answers\": 5}\n");
        f.close();
        const CliResult r = runCli({S("eval"), S("--model"), m_model, S("--data"), path("bad.jsonl"), S("--out"),
                                    path("bad.h5")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("bad.jsonl:2: field \"answers\": expected a list of strings, got a number (5)"),
                 r.err.constData());
        QVERIFY(!QFile::exists(path("bad.h5")));
    }
};

QTEST_GUILESS_MAIN(TestCliEval)
#include "tst_cli_eval.moc"
