// Every headscope-cli command that writes: an existing output is replaced only with --force,
// never by output of another kind (whatever the flag), a failed write keeps the old file, and
// nothing is left half-written. Before, `scores --out S.h5` replaced a 233 KB session with a
// 1 KB JSON file and `make-test-model --out DIR` replaced trained weights with random ones.
#include "faults/fault_cli.h"

#include <QTemporaryDir>
#include <QTest>

class TestCliOutputs : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model, m_session, m_needles;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    FaultRun scores(const QString& out, const QStringList& extra = {}, long long limit = -1) const
    {
        return runFaultCli(QStringList{QStringLiteral("scores"), QStringLiteral("--session"), m_session,
                                       QStringLiteral("--out"), out} +
                               extra,
                           limit);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = path(QStringLiteral("model"));
        FaultRun r = makeTinyModel(m_model);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        // One needle: the grids of these tests stay a test or two.
        m_needles = path(QStringLiteral("needle.jsonl"));
        writeBytes(m_needles, "{\"needle\": \"The code is 4711.\", \"question\": \"What is the code?\"}\n");
        m_session = path(QStringLiteral("s.h5"));
        r = runFaultCli({QStringLiteral("probe"), QStringLiteral("--model_path"), m_model, QStringLiteral("--synthetic-haystack"),
                         QStringLiteral("--lengths"), QStringLiteral("300"), QStringLiteral("--depths"), QStringLiteral("0.5"),
                         QStringLiteral("--needles"), m_needles, QStringLiteral("--max-new-tokens"), QStringLiteral("2"),
                         QStringLiteral("--out"), m_session});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }

    void scoresNeverReplacesASession()
    {
        const QByteArray before = fileSha(m_session);
        for (const QStringList& force : {QStringList{}, QStringList{QStringLiteral("--force")}}) {
            const FaultRun r = scores(m_session, force);
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains(m_session + QStringLiteral(": holds a probe session (HDF5); this writes a head-score "
                                                               "file and will not replace it, even with --force")),
                     qPrintable(r.err));
        }
        QCOMPARE(fileSha(m_session), before);
    }

    void anExistingOutputIsReplacedOnlyWithForce()
    {
        const QString json = path(QStringLiteral("scores.json"));
        QCOMPARE(scores(json).exitCode, 0);
        writeBytes(json, "{\"0-0\": [1]}\n");
        FaultRun r = scores(json);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(json + QStringLiteral(": already exists (a JSON file); pass --force to replace it")),
                 qPrintable(r.err));
        QCOMPARE(fileBytes(json), QByteArray("{\"0-0\": [1]}\n"));
        r = scores(json, {QStringLiteral("--force")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(fileBytes(json).startsWith("{\"0-0\": ["));
        QVERIFY(fileBytes(json).size() > 20);
        QCOMPARE(stagingLeftovers(m_dir.path()), QStringList());
    }

    void aDirectoryIsNotAFile()
    {
        const QString dir = path(QStringLiteral("adir"));
        QVERIFY(QDir().mkpath(dir));
        const FaultRun r = scores(dir, {QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(dir + QStringLiteral(": is a directory (an empty directory); expected a file name for a "
                                                     "head-score file")),
                 qPrintable(r.err));
    }

    void allocateKeepsOtherKindsAndReplacesBudgetsWithForce()
    {
        const QString budget = path(QStringLiteral("budget.json"));
        const QStringList args{QStringLiteral("allocate"), QStringLiteral("--method"), QStringLiteral("uniform"),
                               QStringLiteral("--layers"), QStringLiteral("2"), QStringLiteral("--heads"), QStringLiteral("4"),
                               QStringLiteral("--out")};
        FaultRun r = runFaultCli(args + QStringList{m_session, QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("holds a probe session (HDF5); this writes a budget file")), qPrintable(r.err));
        QCOMPARE(runFaultCli(args + QStringList{budget}).exitCode, 0);
        r = runFaultCli(args + QStringList{budget});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("already exists (a budget file (JSON)); pass --force")), qPrintable(r.err));
        QCOMPARE(runFaultCli(args + QStringList{budget, QStringLiteral("--force")}).exitCode, 0);
        // A head-score file is JSON too, but not a budget: --force does not let allocate replace it.
        const QString json = path(QStringLiteral("notbudget.json"));
        writeBytes(json, "{\"0-0\": [1]}\n");
        r = runFaultCli(args + QStringList{json, QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("holds a JSON file; this writes a budget file")), qPrintable(r.err));
    }

    void makeTestModelKeepsACheckpoint()
    {
        const QString weights = m_model + QStringLiteral("/model.safetensors");
        const QByteArray before = fileSha(weights);
        FaultRun r = makeTinyModel(m_model, 2);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(m_model + QStringLiteral(": already exists (a model checkpoint directory); pass --force")),
                 qPrintable(r.err));
        QCOMPARE(fileSha(weights), before);
        // With --force it is replaced whole, through a staging directory that does not remain.
        const QString other = path(QStringLiteral("model2"));
        QCOMPARE(makeTinyModel(other).exitCode, 0);
        r = makeTinyModel(other, 2, {QStringLiteral("--force")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(fileSha(other + QStringLiteral("/model.safetensors")) != before);
        QCOMPARE(stagingLeftovers(m_dir.path()), QStringList());
        // A directory that is not a checkpoint is never replaced by one.
        const QString docs = path(QStringLiteral("docs"));
        QVERIFY(QDir().mkpath(docs));
        writeBytes(docs + QStringLiteral("/notes.txt"), "mine\n");
        r = makeTinyModel(docs, 1, {QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(docs + QStringLiteral(": holds a directory that is not a checkpoint")), qPrintable(r.err));
        QCOMPARE(fileBytes(docs + QStringLiteral("/notes.txt")), QByteArray("mine\n"));
    }

    void trainDemoModelRefusesBeforeTraining()
    {
        const FaultRun r = runFaultCli({QStringLiteral("train-demo-model"), QStringLiteral("--out"), m_model,
                                        QStringLiteral("--steps"), QStringLiteral("1")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("already exists (a model checkpoint directory)")), qPrintable(r.err));
    }

    void sessionWritersNeedForceAndLeaveNothingWhenRefused()
    {
        const QString copy = path(QStringLiteral("copy.h5"));
        QVERIFY(QFile::copy(m_session, copy));
        // Two shards of one 2-test grid.
        QStringList shards;
        for (int i = 0; i < 2; ++i) {
            shards << path(QStringLiteral("shard%1.h5").arg(i));
            const FaultRun r = runFaultCli({QStringLiteral("probe"), QStringLiteral("--model_path"), m_model,
                                            QStringLiteral("--synthetic-haystack"), QStringLiteral("--lengths"),
                                            QStringLiteral("300"), QStringLiteral("--depths"), QStringLiteral("0.25,0.75"),
                                            QStringLiteral("--needles"), m_needles, QStringLiteral("--max-new-tokens"),
                                            QStringLiteral("2"), QStringLiteral("--shard"), QStringLiteral("%1/2").arg(i),
                                            QStringLiteral("--out"), shards.back()});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        }
        // merge over a session that is not this merge: refused without --force, replaced with it;
        // over a file of another kind: refused even with it.
        const QString merged = path(QStringLiteral("merged.h5"));
        QVERIFY(QFile::copy(m_session, merged));
        FaultRun r = runFaultCli(QStringList{QStringLiteral("merge")} + shards + QStringList{QStringLiteral("--out"), merged});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("is not the merge of these shards")) &&
                     r.err.contains(QStringLiteral("--force")),
                 qPrintable(r.err));
        QCOMPARE(fileSha(merged), fileSha(m_session));
        r = runFaultCli(QStringList{QStringLiteral("merge")} + shards +
                        QStringList{QStringLiteral("--out"), merged, QStringLiteral("--force")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString json = path(QStringLiteral("merge_over.json"));
        writeBytes(json, "{}\n");
        r = runFaultCli(QStringList{QStringLiteral("merge")} + shards +
                        QStringList{QStringLiteral("--out"), json, QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(json + QStringLiteral(": holds a JSON file; this writes a probe session")), qPrintable(r.err));
        QCOMPARE(fileBytes(json), QByteArray("{}\n"));
        // A refused merge leaves no output and no staging file.
        const QString fresh = path(QStringLiteral("fresh.h5"));
        r = runFaultCli({QStringLiteral("merge"), shards[0], shards[0], QStringLiteral("--out"), fresh});
        QVERIFY(r.exitCode != 0 && r.exitCode != -1);
        QVERIFY(!QFile::exists(fresh));
        QCOMPARE(stagingLeftovers(m_dir.path()), QStringList());
        // import-scores over a session needs --force, and a sweep never replaces a session.
        const QString scoresFile = path(QStringLiteral("for_import.json"));
        QCOMPARE(scores(scoresFile).exitCode, 0);
        r = runFaultCli({QStringLiteral("import-scores"), scoresFile, QStringLiteral("--metric"), QStringLiteral("inf"),
                         QStringLiteral("--out"), copy});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("already exists (a probe session (HDF5)); pass --force")), qPrintable(r.err));
        r = runFaultCli({QStringLiteral("import-scores"), scoresFile, QStringLiteral("--metric"), QStringLiteral("inf"),
                         QStringLiteral("--out"), copy, QStringLiteral("--force")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        r = runFaultCli({QStringLiteral("sweep"), QStringLiteral("--model"), m_model, QStringLiteral("--session"), m_session,
                         QStringLiteral("--out"), m_session, QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("holds a probe session (HDF5); this writes sweep results")), qPrintable(r.err));
    }

    void probeOutAsADirectoryIsNamedSo()
    {
        const QString dir = path(QStringLiteral("outdir"));
        QVERIFY(QDir().mkpath(dir));
        const FaultRun r = runFaultCli({QStringLiteral("probe"), QStringLiteral("--model_path"), m_model,
                                        QStringLiteral("--synthetic-haystack"), QStringLiteral("--out"), dir});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(dir + QStringLiteral(": is a directory (an empty directory); expected a file name for a "
                                                     "probe session")),
                 qPrintable(r.err));
    }

    void aFailedWriteKeepsTheOldFile()
    {
        // The new output does not fit (a 64-byte file-size limit): the error names the file
        // and the cause, and the old content is still there, whole.
        const QString json = path(QStringLiteral("kept.json"));
        writeBytes(json, "{\"0-0\": [0.5]}\n");
        const FaultRun r = scores(json, {QStringLiteral("--force")}, 64);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(json + QStringLiteral(": cannot write: File too large (the existing file is unchanged)")),
                 qPrintable(r.err));
        QCOMPARE(fileBytes(json), QByteArray("{\"0-0\": [0.5]}\n"));
        QCOMPARE(stagingLeftovers(m_dir.path()), QStringList());
    }
};

QTEST_MAIN(TestCliOutputs)
#include "tst_cli_outputs.moc"
