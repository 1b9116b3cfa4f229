// The Debian package: built with CPack from this build tree, unpacked with dpkg-deb -x into a
// temporary root, and checked as a user would meet it.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString& program, const QStringList& args, const QString& workDir = {}, int timeoutMs = 600000)
{
    QProcess p;
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(30000)) {
        r.err = QStringLiteral("could not start ") + program;
        return r;
    }
    p.waitForFinished(timeoutMs);
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}
} // namespace

class TestPackage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_root;
    QString m_deb;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_root.isValid());
        const QString binDir = QStringLiteral(HEADSCOPE_BINARY_DIR);
        const Run cpack = run(QStringLiteral("cpack"), {QStringLiteral("-G"), QStringLiteral("DEB"),
                                                        QStringLiteral("-B"), m_root.filePath(QStringLiteral("out"))},
                              binDir);
        QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.out + cpack.err));
        const QString expected = QStringLiteral("headscope_%1_amd64.deb").arg(QStringLiteral(HEADSCOPE_PROJECT_VERSION));
        m_deb = m_root.filePath(QStringLiteral("out/") + expected);
        QVERIFY2(QFile::exists(m_deb), qPrintable(QStringLiteral("missing ") + m_deb + QStringLiteral("\n") + cpack.out));
        const Run extract = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), m_deb, m_root.filePath(QStringLiteral("root"))});
        QVERIFY2(extract.exitCode == 0, qPrintable(extract.err));
    }

    void fileList()
    {
        const QDir root(m_root.filePath(QStringLiteral("root")));
        QStringList required = {QStringLiteral("usr/bin/headscope-cli"),
                                QStringLiteral("usr/share/applications/headscope.desktop"),
                                QStringLiteral("usr/share/icons/hicolor/scalable/apps/headscope.svg"),
                                QStringLiteral("usr/share/mime/packages/headscope.xml"),
                                QStringLiteral("usr/share/headscope/sample_sessions/README.md")};
        if (HEADSCOPE_HAS_GUI)
            required << QStringLiteral("usr/bin/headscope");
        if (QFile::exists(QStringLiteral(HEADSCOPE_SOURCE_DIR "/resources/demo_model/config.json")))
            required << QStringLiteral("usr/share/headscope/demo_model/config.json");
        const QDir samples(QStringLiteral(HEADSCOPE_SOURCE_DIR "/sample_sessions"));
        for (const QString& f : samples.entryList({QStringLiteral("*.h5")}, QDir::Files))
            required << QStringLiteral("usr/share/headscope/sample_sessions/") + f;
        for (const QString& f : required)
            QVERIFY2(root.exists(f), qPrintable(QStringLiteral("not in package: ") + f));
    }

    void dependsComputedFromLinkedLibraries()
    {
        const Run info = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb, QStringLiteral("Depends")});
        QCOMPARE(info.exitCode, 0);
        QVERIFY2(info.out.contains(QStringLiteral("libopenblas0-openmp")), qPrintable(info.out));
        // Added by dpkg-shlibdeps from what the binaries link, not by hand.
        QVERIFY2(info.out.contains(QStringLiteral("libhdf5")), qPrintable(info.out));
        QVERIFY2(info.out.contains(QStringLiteral("libc6")), qPrintable(info.out));
    }

    void unpackedCliRuns()
    {
        const QString cli = m_root.filePath(QStringLiteral("root/usr/bin/headscope-cli"));
        const Run version = run(cli, {QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out.trimmed(), QStringLiteral("headscope-cli " HEADSCOPE_PROJECT_VERSION));
        const QString demo = m_root.filePath(QStringLiteral("root/usr/share/headscope/demo_model"));
        if (!QFile::exists(demo + QStringLiteral("/config.json")))
            QSKIP("no demo checkpoint in this source tree (resources/demo_model)");
        const Run info = run(cli, {QStringLiteral("info"), QStringLiteral("--model"), demo});
        QVERIFY2(info.exitCode == 0, qPrintable(info.err));
        QVERIFY(info.out.contains(QStringLiteral("LlamaForCausalLM")));
    }

    void desktopEntryValidates()
    {
        const Run v = run(QStringLiteral("desktop-file-validate"),
                          {m_root.filePath(QStringLiteral("root/usr/share/applications/headscope.desktop"))});
        // Hints are advisory (Science and Development are both main categories, as asked for);
        // errors and warnings are not.
        const QString report = v.out + v.err;
        QVERIFY2(v.exitCode == 0 && !report.contains(QStringLiteral("error:")) && !report.contains(QStringLiteral("warning:")),
                 qPrintable(report));
    }

    void guiVersionMatchesPackage()
    {
        if (!HEADSCOPE_HAS_GUI)
            QSKIP("GUI not built");
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        p.setProcessEnvironment(env);
        p.start(m_root.filePath(QStringLiteral("root/usr/bin/headscope")), {QStringLiteral("--version")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(QString::fromUtf8(p.readAllStandardOutput()).contains(QStringLiteral(HEADSCOPE_PROJECT_VERSION)),
                 "headscope --version does not report the package version");
    }
};

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
