#pragma once
// A real single-node Slurm for the cluster tests: munged, slurmctld and slurmd configured in a
// temporary directory on loopback, started by start() and stopped by stop() (or the destructor),
// with the client commands (sbatch, scontrol, …) run against it. Jobs run as root, so start()
// says why it cannot run when the daemons are missing or the test is not root; the tests skip
// then (CLUSTER_UNAVAILABLE), except under CI where the cluster must run.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>
#include <QtTest/QtTest>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <vector>

// Skips the test with the reason, or fails it under CI where the cluster must run. A macro, so
// that QSKIP/QFAIL return from the test function itself.
#define CLUSTER_UNAVAILABLE(why)                                                                                       \
    do {                                                                                                               \
        const QString reason_ = (why);                                                                                 \
        if (qEnvironmentVariable("CI") == QLatin1String("true"))                                                       \
            QFAIL(qPrintable(QStringLiteral("the cluster test must run on CI: ") + reason_));                          \
        QSKIP(qPrintable(reason_));                                                                                    \
    } while (false)

class SlurmTestCluster {
public:
    // `dir`: an existing empty directory for keys, state, logs and the jobs' output files.
    explicit SlurmTestCluster(QString dir) : m_dir(std::move(dir))
    {
        m_env = QProcessEnvironment::systemEnvironment();
        m_env.insert(QStringLiteral("SLURM_CONF"), path(QStringLiteral("slurm.conf")));
    }
    ~SlurmTestCluster() { stop(); }
    SlurmTestCluster(const SlurmTestCluster&) = delete;
    SlurmTestCluster& operator=(const SlurmTestCluster&) = delete;

    QString path(const QString& name) const { return QDir(m_dir).filePath(name); }
    // The environment jobs are submitted with (sbatch passes it to them).
    QProcessEnvironment& env() { return m_env; }

    // Starts the daemons and waits for the node to be idle. Returns "" then, else why not.
    // credExpire: job credentials' lifetime in seconds, which is also how long a requeued job
    // waits before it starts again (Slurm's default, 120, is long for a test that requeues).
    QString start(int credExpire = 120)
    {
        for (const char* tool : {"munged", "slurmctld", "slurmd", "sbatch", "scontrol", "sinfo"})
            if (QStandardPaths::findExecutable(QString::fromUtf8(tool), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"),
                                                                      QStringLiteral("/sbin"), QStringLiteral("/bin")})
                    .isEmpty())
                return QStringLiteral("%1 is not installed (Debian packages slurm-wlm and munge)").arg(QString::fromUtf8(tool));
        if (::geteuid() != 0)
            return QStringLiteral("slurmd must run as root to launch jobs, and this test runs as uid %1").arg(::geteuid());

        // munge: a fresh key and socket in the temporary directory.
        for (const char* sub : {"munge", "state", "spool"})
            QDir(m_dir).mkpath(QString::fromUtf8(sub));
        {
            QFile key(path(QStringLiteral("munge/munge.key")));
            QFile random(QStringLiteral("/dev/urandom"));
            if (!key.open(QIODevice::WriteOnly) || !random.open(QIODevice::ReadOnly))
                return QStringLiteral("cannot write the munge key in ") + m_dir;
            key.write(random.read(1024));
            key.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        const QString socket = path(QStringLiteral("munge/munge.sock"));
        startDaemon(QStringLiteral("munged"),
                    {QStringLiteral("--foreground"), QStringLiteral("--force"), QStringLiteral("--socket=") + socket,
                     QStringLiteral("--key-file=") + path(QStringLiteral("munge/munge.key")),
                     QStringLiteral("--pid-file=") + path(QStringLiteral("munge/munged.pid")),
                     QStringLiteral("--seed-file=") + path(QStringLiteral("munge/seed")),
                     QStringLiteral("--log-file=") + path(QStringLiteral("munged.log"))},
                    path(QStringLiteral("munged-console.log")));
        for (int i = 0; i < 50 && !QFile::exists(socket); ++i)
            QThread::msleep(100);
        if (!QFile::exists(socket))
            return QStringLiteral("munged did not start:") + logs();

        const int ctldPort = freePort(), slurmdPort = freePort();
        if (ctldPort <= 0 || slurmdPort <= 0 || ctldPort == slurmdPort)
            return QStringLiteral("no two free TCP ports on loopback");
        QFile conf(path(QStringLiteral("slurm.conf")));
        if (!conf.open(QIODevice::WriteOnly))
            return QStringLiteral("cannot write ") + conf.fileName();
        conf.write(QStringLiteral("ClusterName=headscope-test\n"
                                  "SlurmctldHost=localhost(127.0.0.1)\n"
                                  "SlurmctldPort=%1\nSlurmdPort=%2\n"
                                  "SlurmUser=root\nSlurmdUser=root\n"
                                  "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=%3,cred_expire=%6\n"
                                  "StateSaveLocation=%4/state\nSlurmdSpoolDir=%4/spool\n"
                                  "SlurmctldPidFile=%4/slurmctld.pid\nSlurmdPidFile=%4/slurmd.pid\n"
                                  "SlurmctldLogFile=%4/slurmctld.log\nSlurmdLogFile=%4/slurmd.log\n"
                                  "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
                                  "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
                                  "JobCompType=jobcomp/none\nSchedulerType=sched/builtin\nSchedulerParameters=sched_interval=1\n"
                                  "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nMpiDefault=none\n"
                                  "ReturnToService=2\nMinJobAge=600\n"
                                  "NodeName=hsnode NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=%5 State=UNKNOWN\n"
                                  "PartitionName=test Nodes=hsnode Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4\n")
                       .arg(ctldPort)
                       .arg(slurmdPort)
                       .arg(socket, m_dir)
                       .arg(QThread::idealThreadCount())
                       .arg(credExpire)
                       .toUtf8());
        conf.close();
        startDaemon(QStringLiteral("slurmctld"), {QStringLiteral("-D"), QStringLiteral("-i")}, path(QStringLiteral("slurmctld-console.log")));
        startDaemon(QStringLiteral("slurmd"), {QStringLiteral("-D"), QStringLiteral("-N"), QStringLiteral("hsnode")},
                    path(QStringLiteral("slurmd-console.log")));
        QString state;
        for (int i = 0; i < 60; ++i) {
            state = run(QStringLiteral("sinfo"), {QStringLiteral("-h"), QStringLiteral("-n"), QStringLiteral("hsnode"),
                                                  QStringLiteral("-o"), QStringLiteral("%t")});
            if (state == QLatin1String("idle"))
                return {};
            QThread::msleep(500);
        }
        return QStringLiteral("slurmctld/slurmd did not bring the node up (sinfo: ") + state + QStringLiteral("):") + logs();
    }

    // Runs a Slurm client command against this cluster, in its directory (where jobs write
    // slurm-<job>.out), with env() plus `extra`.
    QString run(const QString& program, const QStringList& args, int* exitCode = nullptr,
                const QProcessEnvironment& extra = {})
    {
        QProcess p;
        QProcessEnvironment e = m_env;
        for (const QString& k : extra.keys())
            e.insert(k, extra.value(k));
        p.setProcessEnvironment(e);
        p.setWorkingDirectory(m_dir);
        p.start(program, args);
        p.waitForFinished(30000);
        if (exitCode)
            *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        return QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError()).trimmed();
    }

    // sbatch --parsable ARGS; the job id ("" on failure, with the output in *error), cancelled by stop().
    QString submit(const QStringList& args, const QProcessEnvironment& extra, QString* error)
    {
        int code = 0;
        const QString out = run(QStringLiteral("sbatch"), QStringList{QStringLiteral("--parsable")} + args, &code, extra);
        if (code != 0) {
            *error = out + logs();
            return {};
        }
        const QString id = out.section(u';', 0, 0);
        m_jobs << id;
        return id;
    }

    // "STATE REASON" of a job (an array: of its first task record scontrol prints).
    QString jobState(const QString& id)
    {
        const QString show = run(QStringLiteral("scontrol"), {QStringLiteral("show"), QStringLiteral("job"), id});
        const auto state = QRegularExpression(QStringLiteral("JobState=(\\S+)")).match(show);
        const auto reason = QRegularExpression(QStringLiteral("Reason=(\\S+)")).match(show);
        return state.hasMatch() ? state.captured(1) + u' ' + reason.captured(1) : QStringLiteral("UNKNOWN ") + show;
    }

    // Waits (up to `seconds`) for a job to leave PENDING/CONFIGURING/RUNNING or to wait on a
    // dependency that can never be met; returns its state.
    QString waitForJob(const QString& id, int seconds = 120)
    {
        QString state;
        for (int i = 0; i < seconds * 2; ++i) {
            state = jobState(id);
            if (!state.startsWith(QLatin1String("PENDING")) && !state.startsWith(QLatin1String("RUNNING")) &&
                !state.startsWith(QLatin1String("CONFIGURING")))
                break;
            if (state.contains(QLatin1String("DependencyNeverSatisfied")))
                break;
            QThread::msleep(500);
        }
        return state;
    }

    // The tail of every daemon log and job output file, for failure messages.
    QString logs() const
    {
        QString s;
        for (const QString& f : QDir(m_dir).entryList({QStringLiteral("*.log"), QStringLiteral("slurm-*.out")}))
            s += QStringLiteral("\n--- ") + f + QStringLiteral(" ---\n") + tail(path(f));
        return s;
    }

    static QString tail(const QString& file, int chars = 1500)
    {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return QStringLiteral("(no ") + file + u')';
        return QString::fromUtf8(f.readAll().right(chars));
    }

    // Cancels what is left of the submitted jobs, then stops the daemons: slurmd, slurmctld, munged.
    void stop()
    {
        if (!m_jobs.isEmpty() && !m_daemons.empty())
            run(QStringLiteral("scancel"), m_jobs);
        m_jobs.clear();
        for (auto it = m_daemons.rbegin(); it != m_daemons.rend(); ++it) {
            QProcess& p = **it;
            if (p.state() == QProcess::NotRunning)
                continue;
            p.terminate();
            if (!p.waitForFinished(10000)) {
                p.kill();
                p.waitForFinished(5000);
            }
        }
        const bool started = !m_daemons.empty();
        m_daemons.clear();
        if (!started)
            return;
        // Belt and braces: whatever still runs under this directory's pid files is ours.
        for (const char* pidFile : {"slurmd.pid", "slurmctld.pid", "munge/munged.pid"}) {
            QFile f(path(QString::fromUtf8(pidFile)));
            const pid_t pid = f.open(QIODevice::ReadOnly) ? static_cast<pid_t>(f.readAll().trimmed().toLong()) : 0;
            if (pid > 1 && ::kill(pid, 0) == 0) {
                ::kill(pid, SIGTERM);
                QThread::msleep(500);
                ::kill(pid, SIGKILL);
            }
        }
    }

private:
    QString m_dir;
    QProcessEnvironment m_env;
    std::vector<std::unique_ptr<QProcess>> m_daemons; // munged, slurmctld, slurmd
    QStringList m_jobs;

    // A TCP port free on loopback right now.
    static int freePort()
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        socklen_t len = sizeof a;
        int port = -1;
        if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            port = ntohs(a.sin_port);
        if (fd >= 0)
            ::close(fd);
        return port;
    }

    void startDaemon(const QString& program, const QStringList& args, const QString& log)
    {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(m_env);
        p->setStandardOutputFile(log);
        p->setStandardErrorFile(log);
        p->start(program, args);
        p->waitForStarted(10000);
        m_daemons.push_back(std::move(p));
    }
};
