// headscope-cli probe and the session readers under faults, each case one that was wrong
// before: a full disk (a file-size limit here) crashed the probe and left a session that no
// longer opened; bad numbers were written into manifests that could not be read back; a
// damaged session read as "0 of 0 tests"; a resume with other settings mixed two grids; bad
// probe inputs ran silently; and unreadable sessions all said "HDF5: cannot open".
#include "faults/fault_cli.h"

#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

class TestCliProbeFaults : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model, m_full;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // 2 lengths × 2 depths × 3 needles = 12 tests, a few seconds on two cores.
    QStringList probeArgs(const QString& out, const QStringList& extra = {}) const
    {
        return QStringList{QStringLiteral("probe"), QStringLiteral("--model_path"), m_model,
                           QStringLiteral("--synthetic-haystack"), QStringLiteral("--lengths"), QStringLiteral("300,400"),
                           QStringLiteral("--depths"), QStringLiteral("0.25,0.75"), QStringLiteral("--max-new-tokens"),
                           QStringLiteral("4"), QStringLiteral("--out"), out} +
               extra;
    }

    QByteArray exportedScores(const QString& session, const QString& out) const
    {
        const FaultRun r = runFaultCli({QStringLiteral("scores"), QStringLiteral("--session"), session,
                                        QStringLiteral("--out"), out, QStringLiteral("--force")});
        return r.exitCode == 0 ? fileBytes(out) : QByteArray("scores failed: " + r.err.toUtf8());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = path(QStringLiteral("model"));
        FaultRun r = makeTinyModel(m_model);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        m_full = path(QStringLiteral("full.h5"));
        r = runFaultCli(probeArgs(m_full));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }

    // ---- a full disk ------------------------------------------------------------------
    void fullDiskStopsCleanlyAndResumeMatchesAnUninterruptedRun()
    {
        const QString s = path(QStringLiteral("limited.h5"));
        FaultRun r = runFaultCli(probeArgs(s), 200 * 1024);
        QCOMPARE(r.exitCode, 1); // not a crash (-1), not success
        QVERIFY2(r.err.contains(s + QStringLiteral(": File too large")) &&
                     r.err.contains(QStringLiteral("continue with --resume")),
                 qPrintable(r.err));
        // Every finished test is readable.
        r = runFaultCli({QStringLiteral("inspect"), s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral(" ok, 0 errors")), qPrintable(r.out));
        QVERIFY(!r.out.contains(QStringLiteral("tests        12 ok")));
        // Still full: the resume stops the same way and the session still opens.
        r = runFaultCli(probeArgs(s, {QStringLiteral("--resume")}), 200 * 1024);
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(runFaultCli({QStringLiteral("inspect"), s}).exitCode, 0);
        // Space freed: the resume finishes, with the scores of a run that never stopped.
        r = runFaultCli(probeArgs(s, {QStringLiteral("--resume")}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(exportedScores(s, path(QStringLiteral("limited.json"))),
                 exportedScores(m_full, path(QStringLiteral("full.json"))));
    }

    void fullDiskOnARealFilesystem()
    {
        // The same on a 300 KiB tmpfs, where writes fail with ENOSPC as on a full disk. Needs
        // the right to mount (root, outside most sandboxes); skipped elsewhere.
        const QString dir = path(QStringLiteral("small_fs"));
        QVERIFY(QDir().mkpath(dir));
        if (::geteuid() != 0 || ::mount("tmpfs", dir.toLocal8Bit().constData(), "tmpfs", 0, "size=300k") != 0)
            QSKIP("cannot mount a small tmpfs here (needs root)");
        const QString s = dir + QStringLiteral("/s.h5");
        FaultRun r = runFaultCli(probeArgs(s));
        FaultRun inspect = runFaultCli({QStringLiteral("inspect"), s});
        const QByteArray partial = exportedScores(s, path(QStringLiteral("enospc_partial.json")));
        // Space freed: the copy moves to a filesystem with room, and the resume finishes there.
        const QString moved = path(QStringLiteral("enospc.h5"));
        const bool copied = QFile::copy(s, moved);
        ::umount2(dir.toLocal8Bit().constData(), MNT_DETACH);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(s + QStringLiteral(": No space left on device")) &&
                     r.err.contains(QStringLiteral("continue with --resume")),
                 qPrintable(r.err));
        QVERIFY2(inspect.exitCode == 0, qPrintable(inspect.err));
        QVERIFY2(!partial.startsWith("scores failed"), partial.constData());
        QVERIFY(copied);
        r = runFaultCli(probeArgs(moved, {QStringLiteral("--resume")}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(exportedScores(moved, path(QStringLiteral("enospc.json"))),
                 exportedScores(m_full, path(QStringLiteral("full_enospc.json"))));
    }

    // ---- numbers --------------------------------------------------------------------------
    void badNumbersAreRefusedBeforeAnythingIsWritten_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("depths nan") << QStringList{QStringLiteral("--depths"), QStringLiteral("nan")}
                                    << QStringLiteral("--depths: 'nan' is not a finite number");
        QTest::newRow("depths inf") << QStringList{QStringLiteral("--depths"), QStringLiteral("0.5,inf")}
                                    << QStringLiteral("--depths: 'inf' is not a finite number");
        QTest::newRow("lengths nan") << QStringList{QStringLiteral("--lengths"), QStringLiteral("nan")}
                                     << QStringLiteral("--lengths: 'nan' is not a positive whole number of tokens");
        QTest::newRow("top-k 0") << QStringList{QStringLiteral("--top_k_infscore"), QStringLiteral("0")}
                                 << QStringLiteral("--top_k_infscore must be in 1..1000000, got 0");
        QTest::newRow("top-k negative") << QStringList{QStringLiteral("--top_k_infscore"), QStringLiteral("-3")}
                                        << QStringLiteral("--top_k_infscore must be in 1..1000000, got -3");
        QTest::newRow("max-new-tokens 0") << QStringList{QStringLiteral("--max-new-tokens"), QStringLiteral("0")}
                                          << QStringLiteral("--max-new-tokens must be in 1..1000000, got 0");
        QTest::newRow("seed -1") << QStringList{QStringLiteral("--seed"), QStringLiteral("-1")}
                                 << QStringLiteral("--seed: expected an integer in 0..18446744073709551615, got '-1'");
        QTest::newRow("store-rows outside the grid")
            << QStringList{QStringLiteral("--store-rows"), QStringLiteral("3,99")}
            << QStringLiteral("--store-rows: test id 99 is not in the grid (ids 0..11: 2 lengths × 2 depths × 3 needles = 12 tests)");
        QTest::newRow("depths mixed") << QStringList{QStringLiteral("--depths"), QStringLiteral("0.5,50")}
                                      << QStringLiteral("--depths: '0.5,50' mixes fractions ('0.5') and percents ('50')");
    }

    void badNumbersAreRefusedBeforeAnythingIsWritten()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const QString out = path(QStringLiteral("bad_numbers.h5"));
        const FaultRun r = runFaultCli(probeArgs(out, args));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!QFile::exists(out));
    }

    void otherCommandsRefuseNonFiniteNumbers()
    {
        FaultRun r = runFaultCli({QStringLiteral("scores"), QStringLiteral("--session"), m_full, QStringLiteral("--gate"),
                                  QStringLiteral("rouge1"), QStringLiteral("--threshold"), QStringLiteral("nan"),
                                  QStringLiteral("--out"), path(QStringLiteral("nan.json"))});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--threshold expects a finite number, got 'nan'")), qPrintable(r.err));
        QVERIFY(!QFile::exists(path(QStringLiteral("nan.json"))));
        r = makeTinyModel(path(QStringLiteral("nan_model")), 1, {QStringLiteral("--rope-theta"), QStringLiteral("nan")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--rope-theta expects a finite number, got 'nan'")), qPrintable(r.err));
        QVERIFY(!QFile::exists(path(QStringLiteral("nan_model"))));
    }

    // ---- damaged sessions -----------------------------------------------------------------
    void damagedSessionsAreRefusedNeverReadAsFewerTests()
    {
        // 1 KiB of zeros at each of the first 16 KiB (superblock, root and /tests indexes,
        // manifest): `scores` fails saying what is wrong, or writes what the intact session
        // gives — before, some of these wrote "0 of 0 tests accepted" and zeros.
        const QByteArray intact = fileBytes(m_full), expected = exportedScores(m_full, path(QStringLiteral("intact.json")));
        int refused = 0;
        for (int offset = 0; offset < 16 * 1024; offset += 1024) {
            QByteArray damaged = intact;
            damaged.replace(offset, 1024, QByteArray(1024, '\0'));
            const QString copy = path(QStringLiteral("damaged.h5")), out = path(QStringLiteral("damaged.json"));
            writeBytes(copy, damaged);
            QFile::remove(out);
            const FaultRun r = runFaultCli({QStringLiteral("scores"), QStringLiteral("--session"), copy, QStringLiteral("--out"), out});
            if (r.exitCode == 0) {
                QVERIFY2(fileBytes(out) == expected, qPrintable(QStringLiteral("zeros at %1: %2").arg(offset).arg(r.out)));
                continue;
            }
            ++refused;
            QCOMPARE(r.exitCode, 1);
            QVERIFY2(r.err.contains(QStringLiteral("damaged")) || r.err.contains(QStringLiteral("not an HDF5 file")) ||
                         r.err.contains(QStringLiteral("not valid JSON")) || r.err.contains(QStringLiteral("not a HeadScope session")),
                     qPrintable(QStringLiteral("zeros at %1: %2").arg(offset).arg(r.err)));
            QVERIFY(!QFile::exists(out));
        }
        QVERIFY(refused > 0);
    }

    // ---- resume ---------------------------------------------------------------------------
    void resumeWithOtherSettingsIsRefusedNamingThem_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("lengths") << QStringList{QStringLiteral("--lengths"), QStringLiteral("300,500")}
                                 << QStringLiteral("cannot resume: \"lengths\" differs (session: 300,400, this run: 300,500)");
        QTest::newRow("max-new-tokens") << QStringList{QStringLiteral("--max-new-tokens"), QStringLiteral("8")}
                                        << QStringLiteral("cannot resume: \"max_new_tokens\" differs (session: 4, this run: 8)");
        QTest::newRow("stop-at-newline") << QStringList{QStringLiteral("--stop-at-newline")}
                                         << QStringLiteral("cannot resume: \"stop_at_newline\" differs (session: false, this run: true)");
        QTest::newRow("top-k") << QStringList{QStringLiteral("--top_k_infscore"), QStringLiteral("5")}
                               << QStringLiteral("cannot resume: \"top_k\" differs (session: 10, this run: 5)");
    }

    void resumeWithOtherSettingsIsRefusedNamingThem()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const QString copy = path(QStringLiteral("resume.h5"));
        QFile::remove(copy);
        QVERIFY(QFile::copy(m_full, copy));
        const QByteArray before = fileSha(copy);
        // Later options override the fixture's (the parser keeps the last value).
        const FaultRun r = runFaultCli(probeArgs(copy, QStringList{QStringLiteral("--resume")} + args));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(fileSha(copy), before);
    }

    // ---- probe inputs ---------------------------------------------------------------------
    void probeInputsThatCannotWorkAreRefused_data()
    {
        QTest::addColumn<QString>("needles");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString longNeedle = QStringLiteral("The secret is kept. ").repeated(40);
        QTest::newRow("needle longer than the context")
            << QStringLiteral("{\"needle\": \"%1\", \"question\": \"What is kept?\"}\n").arg(longNeedle) << QStringList{}
            << QStringLiteral("probe: context length 300 is too short for needle 1");
        QTest::newRow("empty needle") << QStringLiteral("{\"needle\": \"  \", \"question\": \"What?\", \"real_needle\": \"x\"}\n")
                                      << QStringList{} << QStringLiteral("probe: needle 1 needs a \"needle\" and a \"question\" (not blank)");
        QTest::newRow("template without placeholders")
            << QString() << QStringList{QStringLiteral("--template"), QStringLiteral("Answer:")}
            << QStringLiteral("probe: --template \"Answer:\" must contain {context} and {question}");
    }

    void probeInputsThatCannotWorkAreRefused()
    {
        QFETCH(QString, needles);
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const QString out = path(QStringLiteral("refused.h5"));
        if (!needles.isEmpty()) {
            writeBytes(path(QStringLiteral("needles.jsonl")), needles.toUtf8());
            args << QStringLiteral("--needles") << path(QStringLiteral("needles.jsonl"));
        }
        const FaultRun r = runFaultCli(probeArgs(out, args));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!QFile::exists(out));
    }

    void contextsBeyondTheModelsPositionsAreWarnedAbout()
    {
        // The same weights with max_position_embeddings 320: 400 tokens + 4 new go past it.
        const QString model = path(QStringLiteral("short_model"));
        QVERIFY(QDir().mkpath(model));
        for (const QString& f : QDir(m_model).entryList(QDir::Files))
            QVERIFY(QFile::copy(m_model + u'/' + f, model + u'/' + f));
        QByteArray config = fileBytes(model + QStringLiteral("/config.json"));
        QVERIFY(config.contains("\"max_position_embeddings\": 131072"));
        config.replace("\"max_position_embeddings\": 131072", "\"max_position_embeddings\": 320");
        writeBytes(model + QStringLiteral("/config.json"), config);
        QStringList args = probeArgs(path(QStringLiteral("positions.h5")), {QStringLiteral("--depths"), QStringLiteral("0.5")});
        args[args.indexOf(m_model)] = model;
        const FaultRun r = runFaultCli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("probe: warning: --lengths: 400 tokens + 4 new tokens reach position 404, "
                                               "beyond the model's max_position_embeddings 320")),
                 qPrintable(r.err));
    }

    // ---- unreadable sessions, said precisely ----------------------------------------------
    void unreadableSessionsSayWhy()
    {
        const QString cut = path(QStringLiteral("cut.h5"));
        QByteArray bytes = fileBytes(m_full);
        writeBytes(cut, bytes.left(bytes.size() - 1));
        FaultRun r = runFaultCli({QStringLiteral("inspect"), cut});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(cut + QStringLiteral(": truncated: the file ends at byte %1 of %2")
                                          .arg(bytes.size() - 1)
                                          .arg(bytes.size())),
                 qPrintable(r.err));
        const QString text = path(QStringLiteral("text.h5"));
        writeBytes(text, "just some text, not a session\n");
        r = runFaultCli({QStringLiteral("inspect"), text});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(text + QStringLiteral(": not an HDF5 file")), qPrintable(r.err));
        r = runFaultCli({QStringLiteral("inspect"), m_dir.path()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(m_dir.path() + QStringLiteral(": is a directory, expected a probe session (HDF5)")),
                 qPrintable(r.err));
    }

    void aSessionLockedByARunningProbeIsNamedSo()
    {
        // A probe writing a session holds HDF5's exclusive lock on it; this test takes the same
        // lock, the way that probe would.
        const QString locked = path(QStringLiteral("locked.h5"));
        QVERIFY(QFile::copy(m_full, locked));
        const int fd = ::open(locked.toLocal8Bit().constData(), O_RDWR);
        QVERIFY(fd >= 0);
        QCOMPARE(::flock(fd, LOCK_EX | LOCK_NB), 0);
        const FaultRun inspect = runFaultCli({QStringLiteral("inspect"), locked});
        const FaultRun replace = runFaultCli(probeArgs(locked, {QStringLiteral("--force")}));
        ::close(fd);
        QCOMPARE(inspect.exitCode, 1);
        QVERIFY2(inspect.err.contains(locked + QStringLiteral(": locked by another process (a probe may be running on it")),
                 qPrintable(inspect.err));
        QCOMPARE(replace.exitCode, 2);
        QVERIFY2(replace.err.contains(locked + QStringLiteral(": locked by another process (a probe may be running on it)")),
                 qPrintable(replace.err));
        // A reader's shared lock (the GUI showing the session) lets inspect read it, and keeps
        // a resume from writing to it, saying so.
        const int reader = ::open(locked.toLocal8Bit().constData(), O_RDONLY);
        QVERIFY(reader >= 0);
        QCOMPARE(::flock(reader, LOCK_SH | LOCK_NB), 0);
        const FaultRun shared = runFaultCli({QStringLiteral("inspect"), locked});
        const FaultRun resume = runFaultCli(probeArgs(locked, {QStringLiteral("--resume")}));
        ::close(reader);
        QCOMPARE(shared.exitCode, 0);
        QCOMPARE(resume.exitCode, 1);
        QVERIFY2(resume.err.contains(locked + QStringLiteral(": open in another process that is reading it")),
                 qPrintable(resume.err));
    }

    void aReplayOnAnotherModelNamesTheMismatch()
    {
        // The session's prompt ids are byte-tokenizer ids (up to 257): a model with 64 ids, and
        // one with another tokenizer, are named as the mismatch.
        const QString budget = path(QStringLiteral("replay_budget.json"));
        QCOMPARE(runFaultCli({QStringLiteral("allocate"), QStringLiteral("--method"), QStringLiteral("uniform"),
                              QStringLiteral("--layers"), QStringLiteral("2"), QStringLiteral("--heads"), QStringLiteral("4"),
                              QStringLiteral("--base"), QStringLiteral("64"), QStringLiteral("--out"), budget})
                     .exitCode,
                 0);
        const QString small = path(QStringLiteral("vocab64"));
        FaultRun r = runFaultCli({QStringLiteral("make-test-model"), QStringLiteral("--arch"), QStringLiteral("llama"),
                                  QStringLiteral("--layers"), QStringLiteral("2"), QStringLiteral("--hidden"), QStringLiteral("32"),
                                  QStringLiteral("--heads"), QStringLiteral("4"), QStringLiteral("--kv-heads"), QStringLiteral("2"),
                                  QStringLiteral("--intermediate"), QStringLiteral("64"), QStringLiteral("--vocab"),
                                  QStringLiteral("64"), QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--out"), small});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QStringList compare{QStringLiteral("compare"), QStringLiteral("--budget"), budget, QStringLiteral("--session"),
                                  m_full, QStringLiteral("--test"), QStringLiteral("0"), QStringLiteral("--model")};
        r = runFaultCli(compare + QStringList{small});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("test 0 uses token id ")) &&
                     r.err.contains(QStringLiteral(", but the vocabulary of %1 has 64 ids (0..63): the session was recorded "
                                                   "with %2 (vocab_size 258); use that model")
                                        .arg(small, m_model)),
                 qPrintable(r.err));
        // Another tokenizer file (the same byte-level one, one byte longer: another sha256).
        const QString other = path(QStringLiteral("other_tokenizer"));
        QCOMPARE(makeTinyModel(other).exitCode, 0);
        writeBytes(other + QStringLiteral("/tokenizer.json"), fileBytes(other + QStringLiteral("/tokenizer.json")) + "\n");
        r = runFaultCli(compare + QStringList{other});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("test 0 was recorded with the tokenizer of %1").arg(m_model)) &&
                     r.err.contains(other + QStringLiteral(" has another one")),
                 qPrintable(r.err));
    }
};

QTEST_MAIN(TestCliProbeFaults)
#include "tst_cli_probe_faults.moc"
