// Sessions under faults, in process and without root: a write that hits a file-size limit
// (RLIMIT_FSIZE stands in for a full disk: both fail the write that needs a new block) stops
// with a WriteError naming the file, keeps every finished test, and a resume continues; a
// write failing inside HDF5 does not crash; a damaged file is refused with what is wrong, never
// read as fewer tests; a manifest field of the wrong type is named.
#include "headscope/core/errors.h"
#include "headscope/core/session.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <random>
#include <sys/resource.h>

using namespace headscope;

namespace {

SessionManifest manifest(int layers = 2, int heads = 3)
{
    SessionManifest m;
    m.layers = layers;
    m.heads = heads;
    m.kvHeads = heads;
    m.needlesJsonl = "{\"needle\": \"n\"}";
    m.lengths = {100, 200, 300};
    m.depths = {0.25, 0.5};
    m.maxNewTokens = 8;
    return m;
}

// A test with every dataset a probe writes: scores, per-step statistics, prompt ids and, when
// asked, full rows.
struct Written {
    SessionTest test;
    std::vector<StoredStep> steps;
    std::vector<FullAttentionRows> rows;
};

Written makeTest(int id, int layers, int heads, int steps, int k, int promptLength, bool fullRows, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Written w;
    SessionTest& t = w.test;
    t.id = id;
    t.length = 100 * (1 + id % 3);
    t.depth = id % 2 ? 0.5 : 0.25;
    t.needleIndex = id / 6;
    t.spanStart = 10;
    t.spanEnd = 20;
    t.text = "answer " + std::to_string(id);
    t.scores.layers = layers;
    t.scores.heads = heads;
    for (auto& v : t.scores.values) {
        v.resize(static_cast<std::size_t>(layers * heads));
        for (double& x : v)
            x = u(rng);
    }
    for (int i = 0; i < promptLength; ++i)
        t.promptIds.push_back(static_cast<int32_t>(rng() % 32000));
    for (int s = 0; s < steps; ++s) {
        StoredStep step;
        step.token = static_cast<int32_t>(rng() % 32000);
        for (int c = 0; c < layers * heads; ++c) {
            RowStats r;
            for (int i = 0; i < k; ++i) {
                r.topIndices.push_back(static_cast<int32_t>(rng() % 4000));
                r.topWeights.push_back(static_cast<float>(u(rng)));
            }
            r.needleMass = u(rng);
            r.spanTopMass = u(rng);
            r.rowLength = promptLength + s;
            step.rows.push_back(std::move(r));
        }
        w.steps.push_back(std::move(step));
    }
    if (fullRows) {
        FullAttentionRows r;
        r.step = 0;
        r.rowLength = promptLength;
        r.f16.resize(static_cast<std::size_t>(layers * heads * promptLength));
        for (auto& h : r.f16)
            h = static_cast<uint16_t>(rng());
        w.rows.push_back(std::move(r));
    }
    return w;
}

// Limits the size of files this process writes; SIGXFSZ is ignored, so a write past the limit
// fails with EFBIG instead of killing the process. Restored on destruction.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        getrlimit(RLIMIT_FSIZE, &m_old);
        m_oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit l = m_old;
        l.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &l);
    }
    ~FileSizeLimit()
    {
        setrlimit(RLIMIT_FSIZE, &m_old);
        std::signal(SIGXFSZ, m_oldHandler);
    }

private:
    rlimit m_old{};
    void (*m_oldHandler)(int) = nullptr;
};

std::vector<double> infScores(const SessionReader& r)
{
    std::vector<double> out;
    for (const SessionTest& t : r.tests())
        for (double v : t.scores.of(HeadMetric::Inf))
            out.push_back(v);
    return out;
}

} // namespace

class TestSessionFaults : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string path(const char* name) const { return m_dir.filePath(QLatin1String(name)).toStdString(); }

private Q_SLOTS:
    void reservationCoversWhatEveryTestTakes()
    {
        // Shapes from a 1×1-head toy to 8×8 heads with full rows; the reservation made before
        // each test must cover what HDF5 then allocated for it, or a full disk could still
        // fail half-way through a flush.
        auto w = SessionWriter::create(path("space.h5"), manifest(8, 8));
        struct Shape {
            int layers, heads, steps, k, prompt;
            bool rows;
        };
        const Shape shapes[] = {{8, 8, 0, 0, 0, false},   {8, 8, 1, 10, 100, false}, {8, 8, 33, 10, 400, false},
                                {8, 8, 40, 20, 5000, false}, {8, 8, 5, 10, 300, true},  {8, 8, 2, 1, 2000, true}};
        int id = 0;
        uint64_t used = 0, reserved = 0;
        for (int round = 0; round < 12; ++round)
            for (const Shape& s : shapes) {
                const Written t = makeTest(id, s.layers, s.heads, s.steps, s.k, s.prompt, s.rows, static_cast<uint32_t>(id));
                w->appendTest(t.test, t.steps, t.rows);
                const SessionAppendStats& stats = w->lastAppend();
                QVERIFY2(stats.usedBytes <= stats.reservedBytes,
                         qPrintable(QStringLiteral("test %1: used %2 bytes, reserved %3")
                                        .arg(id)
                                        .arg(stats.usedBytes)
                                        .arg(stats.reservedBytes)));
                used += stats.usedBytes;
                reserved += stats.reservedBytes;
                ++id;
            }
        // Hundreds of small tests: the /tests group's name heap and index grow as they come.
        for (int i = 0; i < 400; ++i, ++id) {
            const Written t = makeTest(id, 8, 8, 1, 2, 10, false, static_cast<uint32_t>(id));
            w->appendTest(t.test, t.steps, t.rows);
            QVERIFY2(w->lastAppend().usedBytes <= w->lastAppend().reservedBytes, qPrintable(QString::number(id)));
            used += w->lastAppend().usedBytes;
            reserved += w->lastAppend().reservedBytes;
        }
        qInfo("%d tests: %llu bytes used, %llu reserved", id, static_cast<unsigned long long>(used),
              static_cast<unsigned long long>(reserved));
        w.reset();
        // What was reserved and not used was given back: the file is as long as its content.
        const auto size = std::filesystem::file_size(path("space.h5"));
        QVERIFY2(size < used + 64 * 1024, qPrintable(QString::number(size)));
        QCOMPARE(static_cast<int>(SessionReader::open(path("space.h5"))->tests().size()), id);
    }

    void fileSizeLimitStopsBeforeHdf5WritesAndResumeContinues()
    {
        const std::string file = path("limit.h5");
        std::vector<Written> tests;
        for (int i = 0; i < 6; ++i)
            tests.push_back(makeTest(i, 2, 3, 12, 10, 600, false, 100u + static_cast<uint32_t>(i)));
        {
            auto w = SessionWriter::create(file, manifest());
            for (int i = 0; i < 3; ++i)
                w->appendTest(tests[static_cast<std::size_t>(i)].test, tests[static_cast<std::size_t>(i)].steps);
            const auto size = std::filesystem::file_size(file);
            FileSizeLimit limit(size + 4096);
            try {
                w->appendTest(tests[3].test, tests[3].steps);
                QFAIL("a write past the file-size limit succeeded");
            } catch (const WriteError& e) {
                const QString m = QString::fromUtf8(e.what());
                QVERIFY2(m.startsWith(QString::fromStdString(file) + QStringLiteral(": File too large")), qPrintable(m));
                QVERIFY2(m.contains(QStringLiteral("keeps its 3 finished tests")) && m.contains(QStringLiteral("--resume")),
                         qPrintable(m));
            }
            QCOMPARE(std::filesystem::file_size(file), size); // nothing of the failed test was written
        }
        QCOMPARE(static_cast<int>(SessionReader::open(file)->tests().size()), 3);
        {
            auto w = SessionWriter::resume(file, manifest());
            QCOMPARE(w->nextTestId(), 3);
            for (int i = 3; i < 6; ++i)
                w->appendTest(tests[static_cast<std::size_t>(i)].test, tests[static_cast<std::size_t>(i)].steps);
        }
        // The same as a session written without a fault.
        {
            auto w = SessionWriter::create(path("nolimit.h5"), manifest());
            for (const Written& t : tests)
                w->appendTest(t.test, t.steps);
        }
        const auto resumed = SessionReader::open(file), clean = SessionReader::open(path("nolimit.h5"));
        QCOMPARE(resumed->tests().size(), std::size_t(6));
        QCOMPARE(infScores(*resumed), infScores(*clean));
        QCOMPARE(resumed->steps(4).size(), clean->steps(4).size());
    }

    void writeFailingInsideHdf5IsCleanAndKeepsFinishedTests()
    {
        // Without the reservation the limit is hit by HDF5 itself, mid-test: the error names
        // the file and the cause, the writer refuses further tests, and nothing crashes.
        const std::string file = path("inside.h5");
        std::vector<Written> tests;
        for (int i = 0; i < 4; ++i)
            tests.push_back(makeTest(i, 2, 3, 40, 10, 3000, false, 200u + static_cast<uint32_t>(i)));
        {
            auto w = SessionWriter::create(file, manifest());
            w->setSpaceReservation(false);
            for (int i = 0; i < 2; ++i)
                w->appendTest(tests[static_cast<std::size_t>(i)].test, tests[static_cast<std::size_t>(i)].steps);
            FileSizeLimit limit(std::filesystem::file_size(file) + 2048);
            QVERIFY_THROWS_EXCEPTION(WriteError, w->appendTest(tests[2].test, tests[2].steps));
            try {
                w->appendTest(tests[3].test, tests[3].steps);
                QFAIL("a writer whose write failed took another test");
            } catch (const WriteError& e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("earlier write")), e.what());
            }
        }
        // The partial group was unlinked: the reader sees the two finished tests.
        QCOMPARE(static_cast<int>(SessionReader::open(file)->tests().size()), 2);
        // With the limit gone, a resume finishes the grid.
        {
            auto w = SessionWriter::resume(file, manifest());
            QCOMPARE(w->nextTestId(), 2);
            for (int i = 2; i < 4; ++i)
                w->appendTest(tests[static_cast<std::size_t>(i)].test, tests[static_cast<std::size_t>(i)].steps);
        }
        QCOMPARE(static_cast<int>(SessionReader::open(file)->tests().size()), 4);
    }

    void damagedSessionIsRefusedNeverReadShort()
    {
        // 1 KiB of zeros at every 1 KiB of a small session (its superblock, group
        // indexes, name heaps, records, score chunks): each copy is refused with a reason, or
        // — where the damage hit nothing a reader uses — read whole. Before, a damaged /tests
        // index read as "0 of 0 tests" and a damaged index node as one test fewer.
        const std::string file = path("intact.h5");
        {
            auto w = SessionWriter::create(file, manifest());
            for (int i = 0; i < 12; ++i) {
                const Written t = makeTest(i, 2, 3, 4, 4, 50, false, 300u + static_cast<uint32_t>(i));
                w->appendTest(t.test, t.steps);
            }
        }
        const auto intact = SessionReader::open(file);
        const std::vector<double> scores = infScores(*intact);
        QFile in(QString::fromStdString(file));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        int refused = 0, whole = 0;
        for (qsizetype offset = 0; offset < bytes.size(); offset += 1024) {
            QByteArray damaged = bytes;
            damaged.replace(offset, std::min<qsizetype>(1024, bytes.size() - offset), QByteArray(1024, '\0'));
            const std::string copy = path("damaged.h5");
            QFile out(QString::fromStdString(copy));
            QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
            out.write(damaged);
            out.close();
            try {
                const auto r = SessionReader::open(copy);
                QVERIFY2(r->tests().size() == intact->tests().size() && infScores(*r) == scores,
                         qPrintable(QStringLiteral("zeros at %1: read %2 of %3 tests without an error")
                                        .arg(offset)
                                        .arg(r->tests().size())
                                        .arg(intact->tests().size())));
                ++whole;
            } catch (const FormatError&) {
                ++refused;
            } catch (const LoadError&) {
                ++refused;
            }
        }
        qInfo("%lld bytes: %d damaged copies refused, %d read whole", static_cast<long long>(bytes.size()), refused, whole);
        QVERIFY(refused > 0);
    }

    void damageReportsWhatIsWrong()
    {
        const std::string file = path("cut.h5");
        {
            auto w = SessionWriter::create(file, manifest());
            const Written t = makeTest(0, 2, 3, 4, 4, 50, false, 1);
            w->appendTest(t.test, t.steps);
        }
        const auto size = std::filesystem::file_size(file);
        std::filesystem::resize_file(file, size - 1);
        try {
            SessionReader::open(file);
            QFAIL("a truncated session opened");
        } catch (const FormatError& e) {
            QCOMPARE(QString::fromUtf8(e.what()).section(QStringLiteral(" ("), 0, 0),
                     QString::fromStdString(file) + QStringLiteral(": truncated: the file ends at byte %1 of %2")
                                                        .arg(size - 1)
                                                        .arg(size));
        }
        std::filesystem::resize_file(file, 0);
        std::filesystem::resize_file(file, 100);
        QVERIFY_THROWS_EXCEPTION(FormatError, SessionReader::open(file));
        try {
            SessionReader::open(file);
        } catch (const FormatError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("not an HDF5 file")), e.what());
        }
    }

    void manifestFieldOfTheWrongTypeIsNamed()
    {
        // A manifest whose depths hold null (what nlohmann writes for NaN): the reader names
        // the field, what it expected and what is there.
        const std::string file = path("nulldepth.h5");
        SessionManifest m = manifest();
        m.depths = {0.25};
        SessionWriter::create(file, m);
        QFile f(QString::fromStdString(file));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        const QByteArray was = "\"depths\":[0.25]", now = "\"depths\":[null]";
        const qsizetype at = bytes.indexOf(was);
        QVERIFY(at >= 0);
        bytes.replace(at, was.size(), now);
        f.seek(0);
        f.write(bytes);
        f.close();
        try {
            SessionReader::open(file);
            QFAIL("a manifest with a null depth was read");
        } catch (const FormatError& e) {
            QCOMPARE(QString::fromUtf8(e.what()),
                     QString::fromStdString(file) +
                         QStringLiteral(": /manifest field \"depths\": expected an array of finite numbers, got [null]"));
        }
    }

    void manifestThatCouldNotBeReadBackIsNotWritten()
    {
        SessionManifest m = manifest();
        m.depths = {0.5, std::nan("")};
        QVERIFY_THROWS_EXCEPTION(UsageError, SessionWriter::create(path("nan.h5"), m));
        QVERIFY(!std::filesystem::exists(path("nan.h5")));
    }

    void writerClosedWhileTheDiskIsStillFullDoesNotCrash()
    {
        // The writer is destroyed (its file closed) while writes still fail: HDF5's close
        // then fails too, and the library's exit handler used to crash on the file it had
        // left half-closed. The test binary exiting normally is the check.
        const std::string file = path("stillfull.h5");
        const Written t0 = makeTest(0, 2, 3, 40, 10, 3000, false, 7), t1 = makeTest(1, 2, 3, 40, 10, 3000, false, 8);
        auto w = SessionWriter::create(file, manifest());
        w->setSpaceReservation(false);
        w->appendTest(t0.test, t0.steps);
        FileSizeLimit limit(std::filesystem::file_size(file) + 1024);
        QVERIFY_THROWS_EXCEPTION(WriteError, w->appendTest(t1.test, t1.steps));
        w.reset();
    }
};

QTEST_MAIN(TestSessionFaults)
#include "tst_session_faults.moc"
