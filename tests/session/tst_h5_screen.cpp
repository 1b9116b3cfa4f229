// Files of HDF5's older format carry no checksums, and libhdf5 1.10 crashes on some damaged ones;
// core/session/h5_screen.cpp walks such a file in a child process before HeadScope opens it.
// These tests replay the fuzzer's crashing inputs (each used to take the reader down), check how
// the child's end is read, and that forking while another thread is inside libhdf5 is safe.
#include "headscope/core/errors.h"
#include "headscope/core/session.h"

#include "session/h5_diagnose.h"
#include "session/h5_screen.h"
#include "session/h5_walk.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <thread>

using namespace headscope;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const fs::path kBroken = fs::path(HEADSCOPE_TEST_FIXTURES_DIR) / "broken" / "session";
const fs::path kSample = fs::path(HEADSCOPE_SOURCE_DIR) / "sample_sessions" / "demo_probe.h5";

} // namespace

class tst_h5_screen : public QObject {
    Q_OBJECT

private slots:
    void olderFormatCrashesAreRefused_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("signal");
        // A group's local heap claiming more than malloc gives: libhdf5 reads into the null buffer.
        QTest::newRow("huge local heap") << "older_format_huge_local_heap.h5" << "SIGSEGV";
        QTest::newRow("huge local heap, another group") << "older_format_huge_local_heap_2.h5" << "SIGSEGV";
        // A chunked layout with a zero chunk dimension: H5Dopen divides by it.
        QTest::newRow("zero chunk dimension") << "older_format_zero_chunk_dimension.h5" << "SIGFPE";
    }

    void olderFormatCrashesAreRefused()
    {
        QFETCH(QString, file);
        QFETCH(QString, signal);
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "session.h5";
        fs::copy_file(kBroken / file.toStdString(), path);
        QCOMPARE(h5::superblockVersion(path), std::optional<int>(0));
        try {
            (void)SessionReader::open(path);
            QFAIL("a session that crashes libhdf5 was opened");
        } catch (const FormatError& e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.startsWith(QString::fromStdString(path.string()) + QStringLiteral(": damaged: its metadata crashes the HDF5 library (") +
                                        signal),
                     qPrintable(message));
            QVERIFY2(message.contains(QStringLiteral("older format (superblock 0")), qPrintable(message));
        }
    }

    void olderFormatSessionsStillOpen()
    {
        QCOMPARE(h5::superblockVersion(kSample), std::optional<int>(0));
        const auto reader = SessionReader::open(kSample);
        QCOMPARE(reader->tests().size(), std::size_t{75});
    }

    void childOutcomes()
    {
        using Outcome = h5::IsolatedRun::Outcome;
        QCOMPARE(h5::runIsolated([] {}, 10s).outcome, Outcome::Finished);

        const h5::IsolatedRun crashed = h5::runIsolated([] { std::raise(SIGFPE); }, 10s);
        QCOMPARE(crashed.outcome, Outcome::Crashed);
        QCOMPARE(crashed.signal, SIGFPE);

        const h5::IsolatedRun threw = h5::runIsolated([] { throw std::runtime_error("x"); }, 10s);
        QCOMPARE(threw.outcome, Outcome::Failed);
        QVERIFY(threw.exitCode != 0);

        const auto start = std::chrono::steady_clock::now();
        const h5::IsolatedRun hung = h5::runIsolated([] { std::this_thread::sleep_for(60s); }, 300ms);
        QCOMPARE(hung.outcome, Outcome::TimedOut);
        QVERIFY(std::chrono::steady_clock::now() - start < 10s);
    }

    void walkingTheSampleFinishes()
    {
        const h5::IsolatedRun run = h5::runIsolated([] { h5::walkWholeFile(kSample, 1u << 28); }, 60s);
        QCOMPARE(run.outcome, h5::IsolatedRun::Outcome::Finished);
    }

    // The child is forked while this thread holds HDF5's API lock; forked at any other moment, a
    // child could inherit the lock held by another thread and wait for it forever.
    void forkWhileAnotherThreadReadsSessions()
    {
        std::atomic<bool> stop = false;
        std::atomic<int> reads = 0;
        std::thread reader([&] {
            while (!stop) {
                (void)SessionReader::open(kSample);
                ++reads;
            }
        });
        int finished = 0;
        for (int i = 0; i < 40; ++i)
            finished += h5::runIsolated([] { h5::walkWholeFile(kSample, 1u << 28); }, 5s).outcome ==
                        h5::IsolatedRun::Outcome::Finished;
        stop = true;
        reader.join();
        QCOMPARE(finished, 40);
        QVERIFY(reads > 0);
    }
};

QTEST_GUILESS_MAIN(tst_h5_screen)
#include "tst_h5_screen.moc"
