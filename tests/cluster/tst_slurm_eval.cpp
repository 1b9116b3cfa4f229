// eval and sweep as Slurm array jobs on a real single-node cluster (slurm_cluster.h): each of
// packaging/slurm/eval-array.sbatch and sweep-array.sbatch runs 3 tasks on a tiny checkpoint,
// merge.sbatch, dependent on the array, joins the shards, and the merged file must equal a
// single-process run of the same work. One eval task is requeued (scontrol requeue: killed, then
// started again, as on preemption) after its first example and must continue after it; one
// sweep task finds the finished shard of an earlier attempt and must keep it; the other tasks
// start fresh. Skipped, saying why, when the daemons cannot start; under CI that is a failure.
#include "headscope/core/eval_results.h"
#include "headscope/core/sweep_results.h"

#include "cli/cli_process.h"
#include "cluster/slurm_cluster.h"

#include <QFileInfo>
#include <QThread>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cstring>
#include <optional>
#include <tuple>
#include <utility>

using namespace headscope;

namespace {

QString S(const char* s) { return QString::fromUtf8(s); }

// Long answers (the random model rarely stops early): a few tenths of a second per generation,
// so that a task is still running when the test requeues it after its first example.
const QString kEvalOptions = S("--methods full,uniform,adakv --budgets 16,48 --window 4 --max-new-tokens 2000");
const QString kSweepOptions = S("--synthetic-haystack --lengths 288,320 --depths 0.25,0.75 --methods uniform,pyramid "
                                "--budgets 16,32 --window 4 --max-new-tokens 3");

QJsonObject manifestWithout(const std::string& json, const QStringList& keys)
{
    QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
    for (const QString& k : keys)
        o.remove(k);
    return o;
}

bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

} // namespace

class TestSlurmEval : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::optional<SlurmTestCluster> m_cluster; // stopped in cleanupTestCase
    QString m_model, m_tasks;
    const QString m_templates = S(HEADSCOPE_SOURCE_DIR "/packaging/slurm/");

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // Submits the array template (3 tasks) and merge.sbatch after it, both writing under `out`.
    std::pair<QString, QString> submitArray(const QString& arrayTemplate, const QString& out)
    {
        QProcessEnvironment env;
        env.insert(S("HEADSCOPE_OUT"), out);
        QString error;
        const QString arrayId = m_cluster->submit({S("--array=0-2"), m_templates + arrayTemplate}, env, &error);
        if (arrayId.isEmpty()) {
            qWarning("%s", qPrintable(error));
            return {};
        }
        const QString mergeId =
            m_cluster->submit({S("--dependency=afterok:") + arrayId, m_templates + S("merge.sbatch")}, env, &error);
        if (mergeId.isEmpty())
            qWarning("%s", qPrintable(error));
        return {arrayId, mergeId};
    }

    // Waits for the merge job; false (with the state and logs printed) unless it completed.
    bool mergeCompleted(const QString& arrayId, const QString& mergeId)
    {
        const QString state = m_cluster->waitForJob(mergeId);
        if (state.startsWith(QLatin1String("COMPLETED")))
            return true;
        qWarning("merge job %s; array %s%s", qPrintable(state), qPrintable(m_cluster->jobState(arrayId)),
                 qPrintable(m_cluster->logs()));
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_cluster.emplace(m_dir.path());
        if (const QString why = m_cluster->start(/*credExpire=*/8); !why.isEmpty())
            CLUSTER_UNAVAILABLE(why);
        m_model = path(S("model"));
        CliResult r = runCli({S("make-test-model"), S("--arch"), S("llama"), S("--layers"), S("2"), S("--hidden"), S("32"),
                              S("--heads"), S("4"), S("--kv-heads"), S("2"), S("--intermediate"), S("48"),
                              S("--byte-tokenizer"), S("--seed"), S("5"), S("--out"), m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // 6 examples: 2 per task.
        m_tasks = path(S("tasks.jsonl"));
        r = runCli({S("make-tasks"), S("--kind"), S("single,multikey"), S("--lengths"), S("320"), S("--count"), S("3"),
                    S("--tokenizer"), m_model, S("--out"), m_tasks});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QProcessEnvironment& env = m_cluster->env();
        env.insert(S("HEADSCOPE_CLI"), S(HEADSCOPE_CLI_PATH));
        env.insert(S("HEADSCOPE_MODEL"), m_model);
        env.insert(S("HEADSCOPE_DATA"), m_tasks);
        env.insert(S("HEADSCOPE_EVAL"), kEvalOptions);
        env.insert(S("HEADSCOPE_SWEEP"), kSweepOptions);
        env.insert(S("HEADSCOPE_DEVICE"), S("cpu"));
    }

    void evalArrayEqualsOneProcess()
    {
        const QString out = path(S("eval-run"));
        const auto [arrayId, mergeId] = submitArray(S("eval-array.sbatch"), out);
        QVERIFY(!arrayId.isEmpty() && !mergeId.isEmpty());

        // Task 1 (examples 1 and 4, 5 configurations each): requeued once example 1 is written,
        // while example 4 is being answered ("[6/10]": its first generation is done).
        const QString log1File = path(S("slurm-%1_1.out").arg(arrayId));
        bool midway = false;
        for (int i = 0; i < 1200 && !midway; ++i) {
            midway = SlurmTestCluster::tail(log1File, 100000).contains(S("\n[6/10]"));
            if (!midway)
                QThread::msleep(50);
        }
        QVERIFY2(midway, qPrintable(S("task 1 never reached its second example") + m_cluster->logs()));
        int code = 0;
        const QString requeue = m_cluster->run(S("scontrol"), {S("requeue"), arrayId + S("_1")}, &code);
        QVERIFY2(code == 0, qPrintable(requeue));

        // Meanwhile, the same work in one process.
        const QString single = path(S("eval-single.h5"));
        QStringList args{S("eval"), S("--model"), m_model, S("--data"), m_tasks};
        args += kEvalOptions.split(u' ');
        args << S("--device") << S("cpu") << S("--out") << single;
        const CliResult r = runCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(mergeCompleted(arrayId, mergeId));

        // The first attempt stopped in example 4 (no "wrote" line), the second wrote only that one.
        const QString log1 = SlurmTestCluster::tail(log1File, 100000);
        const qsizetype resumed = log1.indexOf(S("exists; continuing it (--resume)"));
        QVERIFY2(resumed > 0 && !log1.left(resumed).contains(S("examples this run")) &&
                     log1.mid(resumed).contains(S(": 1 examples this run, 5 skipped")),
                 qPrintable(log1));
        const QString log0 = SlurmTestCluster::tail(path(S("slurm-%1_0.out").arg(arrayId)), 100000);
        QVERIFY2(!log0.contains(S("--resume")) && log0.contains(S(": 2 examples this run")), qPrintable(log0));

        const auto merged = EvalReader::open((out + S("/merged.h5")).toStdString());
        const auto one = EvalReader::open(single.toStdString());
        QCOMPARE(merged->manifest().shardCount, 1);
        QCOMPARE(manifestWithout(merged->manifest().json, {S("created"), S("updated")}),
                 manifestWithout(one->manifest().json, {S("created"), S("updated")}));
        QCOMPARE(merged->records().size(), std::size_t(6));
        QCOMPARE(merged->records().size(), one->records().size());
        for (std::size_t i = 0; i < one->records().size(); ++i) {
            const EvalRecord& a = merged->records()[i];
            const EvalRecord& b = one->records()[i];
            QCOMPARE(std::tie(a.index, a.line, a.dataset, a.id, a.metric, a.answers, a.promptTokens, a.truncated),
                     std::tie(b.index, b.line, b.dataset, b.id, b.metric, b.answers, b.promptTokens, b.truncated));
            QCOMPARE(a.outcomes.size(), b.outcomes.size());
            for (std::size_t c = 0; c < a.outcomes.size(); ++c) {
                const EvalOutcome& x = a.outcomes[c];
                const EvalOutcome& y = b.outcomes[c];
                QVERIFY(x.config == y.config);
                QCOMPARE(x.prediction, y.prediction);
                QVERIFY2(sameBits(x.score, y.score), qPrintable(S("example %1 %2").arg(i).arg(QString::fromStdString(x.config.label()))));
                QCOMPARE(x.kvBytes, y.kvBytes);
                QCOMPARE(x.generatedTokens, y.generatedTokens);
            }
            QCOMPARE(merged->promptIds(a.index), one->promptIds(b.index));
        }
    }

    void sweepArrayEqualsOneProcess()
    {
        auto sweep = [&](const QString& out, const QStringList& extra) {
            QStringList args{S("sweep"), S("--model"), m_model};
            args += kSweepOptions.split(u' ');
            args << S("--device") << S("cpu") << extra << S("--out") << out;
            return runCli(args);
        };
        const QString single = path(S("sweep-single.h5"));
        CliResult r = sweep(single, {});
        QVERIFY2(r.exitCode == 0, r.err.constData());

        // Task 2's earlier attempt finished its shard before the job was requeued.
        const QString out = path(S("sweep-run"));
        QVERIFY(QDir().mkpath(out));
        const QString shard2 = out + S("/shard-2.h5");
        r = sweep(shard2, {S("--shard"), S("2/3")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QDateTime written = QFileInfo(shard2).lastModified();

        const auto [arrayId, mergeId] = submitArray(S("sweep-array.sbatch"), out);
        QVERIFY(!arrayId.isEmpty() && !mergeId.isEmpty());
        QVERIFY(mergeCompleted(arrayId, mergeId));
        const QString log2 = SlurmTestCluster::tail(path(S("slurm-%1_2.out").arg(arrayId)), 4000);
        QVERIFY2(log2.contains(S("already holds this sweep (shard 2/3, 4 of 12 tests); nothing to do")), qPrintable(log2));
        QCOMPARE(QFileInfo(shard2).lastModified(), written);
        const QString log0 = SlurmTestCluster::tail(path(S("slurm-%1_0.out").arg(arrayId)), 4000);
        QVERIFY2(!log0.contains(S("--resume")) && log0.contains(S("shard 0/3, 4 of 12 tests")), qPrintable(log0));

        const SweepResults merged = readSweepResults((out + S("/merged.h5")).toStdString());
        const SweepResults one = readSweepResults(single.toStdString());
        QCOMPARE(merged.tests.size(), std::size_t(12));
        QCOMPARE(merged.shardCount, 1);
        QCOMPARE(manifestWithout(merged.manifestJson, {}), manifestWithout(one.manifestJson, {}));
        QVERIFY(merged.tests == one.tests);
        QCOMPARE(merged.methods, one.methods);
        QCOMPARE(merged.budgets, one.budgets);
        QCOMPARE(merged.compressed.size(), one.compressed.size());
        auto same = [](const SweepOutcome& a, const SweepOutcome& b) {
            return sameBits(a.rouge1, b.rouge1) && sameBits(a.qaF1, b.qaF1) && a.kvBytes == b.kvBytes && a.text == b.text;
        };
        for (std::size_t t = 0; t < one.full.size(); ++t)
            QVERIFY2(same(merged.full[t], one.full[t]), qPrintable(S("full cache, test %1").arg(t)));
        for (std::size_t k = 0; k < one.compressed.size(); ++k)
            QVERIFY2(same(merged.compressed[k], one.compressed[k]), qPrintable(S("compressed outcome %1").arg(k)));

        // Re-running the merge job's command is a no-op.
        r = runCli({S("merge"), out + S("/shard-0.h5"), out + S("/shard-1.h5"), shard2, S("--out"), out + S("/merged.h5")});
        QVERIFY2(r.exitCode == 0 && r.out.contains("nothing written"), r.out.constData());
    }

    void cleanupTestCase()
    {
        // Cancel what is left of this test's jobs, then stop the daemons it started.
        m_cluster.reset();
    }
};

QTEST_GUILESS_MAIN(TestSlurmEval)
#include "tst_slurm_eval.moc"
