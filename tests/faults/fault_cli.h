#pragma once
// Helpers for the CLI fault tests: run headscope-cli (optionally under a file-size limit, as a
// full disk without root), make a tiny checkpoint, read and damage files.
// HEADSCOPE_FAULTS_CLI, when set, names another headscope-cli to run — to check that each case
// fails with a build from before its fix.
#include <QByteArray>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <csignal>
#include <sys/resource.h>

struct FaultRun {
    int exitCode = -1; // -1: did not finish, or crashed (a signal)
    QString out, err;
};

inline FaultRun runFaultCli(const QStringList& args, long long fileSizeLimit = -1, int timeoutMs = 300000)
{
    QProcess proc;
    if (fileSizeLimit >= 0) {
        // In the child, before exec: files it writes may not grow past the limit, and going
        // past it fails the write (EFBIG) instead of killing it — what a full disk does to the
        // write that needs a new block.
        proc.setChildProcessModifier([fileSizeLimit] {
            rlimit l{static_cast<rlim_t>(fileSizeLimit), static_cast<rlim_t>(fileSizeLimit)};
            setrlimit(RLIMIT_FSIZE, &l);
            std::signal(SIGXFSZ, SIG_IGN);
        });
    }
    const QString cli = qEnvironmentVariable("HEADSCOPE_FAULTS_CLI", QStringLiteral(HEADSCOPE_CLI_PATH));
    proc.start(cli, args);
    FaultRun r;
    if (!proc.waitForFinished(timeoutMs))
        return r;
    r.exitCode = proc.exitStatus() == QProcess::NormalExit ? proc.exitCode() : -1;
    r.out = QString::fromUtf8(proc.readAllStandardOutput());
    r.err = QString::fromUtf8(proc.readAllStandardError());
    return r;
}

inline QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline void writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(bytes);
}

inline QByteArray fileSha(const QString& path)
{
    return QCryptographicHash::hash(fileBytes(path), QCryptographicHash::Sha256).toHex();
}

// Files a staged write left next to `dir`'s entries (".NAME.tmp-…"), which must be none.
inline QStringList stagingLeftovers(const QString& dir)
{
    return QDir(dir).entryList({QStringLiteral(".*.tmp-*"), QStringLiteral(".*.old-*")},
                               QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
}

// A 2-layer, 4-head random Llama with a byte-level tokenizer (text prompts work offline).
inline FaultRun makeTinyModel(const QString& out, int seed = 1, const QStringList& extra = {})
{
    return runFaultCli(QStringList{QStringLiteral("make-test-model"), QStringLiteral("--arch"), QStringLiteral("llama"),
                                   QStringLiteral("--layers"), QStringLiteral("2"), QStringLiteral("--hidden"),
                                   QStringLiteral("32"), QStringLiteral("--heads"), QStringLiteral("4"),
                                   QStringLiteral("--kv-heads"), QStringLiteral("2"), QStringLiteral("--intermediate"),
                                   QStringLiteral("64"), QStringLiteral("--byte-tokenizer"), QStringLiteral("--seed"),
                                   QString::number(seed), QStringLiteral("--out"), out} +
                       extra);
}
