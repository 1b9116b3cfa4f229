#pragma once
// Runs the built headscope-cli (HEADSCOPE_CLI_PATH, set by headscope_add_qt_test) and collects
// its exit code and output, for the tests that drive the CLI end to end.
#include <QByteArray>
#include <QProcess>
#include <QStringList>

struct CliResult {
    int exitCode = -1; // -1: did not finish, or crashed
    QByteArray out, err;
};

inline CliResult runCli(const QStringList& args, int timeoutMs = 300000)
{
    QProcess proc;
    proc.start(QStringLiteral(HEADSCOPE_CLI_PATH), args);
    CliResult r;
    if (!proc.waitForFinished(timeoutMs))
        return r;
    r.exitCode = proc.exitStatus() == QProcess::NormalExit ? proc.exitCode() : -1;
    r.out = proc.readAllStandardOutput();
    r.err = proc.readAllStandardError();
    return r;
}
