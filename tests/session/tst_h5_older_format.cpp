// Files of HDF5's older format carry no checksums, and libhdf5 1.10 crashes on some damaged ones;
// core/session/h5_older_format.cpp has a child process copy such a file into the checksummed
// format and opens the copy. These tests replay the fuzzer's crashing inputs (each used to take
// the reader down), check that the copy keeps every value and how the child's end is read, that
// writing upgrades the file in place, and that forking while another thread is inside libhdf5 is
// safe.
#include "headscope/core/errors.h"
#include "headscope/core/session.h"

#include "session/h5_diagnose.h"
#include "session/h5_format_copy.h"
#include "session/h5_older_format.h"

#include <hdf5.h>

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <map>
#include <vector>

using namespace headscope;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const fs::path kBroken = fs::path(HEADSCOPE_TEST_FIXTURES_DIR) / "broken" / "session";
const fs::path kSample = fs::path(HEADSCOPE_SOURCE_DIR) / "sample_sessions" / "demo_probe.h5";

// Every dataset's and attribute's type, shape and bytes, by path, read with the HDF5 API.
struct Contents {
    std::map<std::string, std::vector<unsigned char>> values;
    std::map<std::string, std::vector<hsize_t>> shapes;
};

void collect(hid_t group, const std::string& prefix, Contents& out);

std::vector<unsigned char> readAttribute(hid_t attr)
{
    const hid_t type = H5Aget_type(attr);
    const hid_t space = H5Aget_space(attr);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)) * H5Tget_size(type));
    H5Aread(attr, type, bytes.data());
    H5Sclose(space);
    H5Tclose(type);
    return bytes;
}

void collectAttributes(hid_t obj, const std::string& path, Contents& out)
{
    std::vector<std::string> names;
    hsize_t at = 0;
    H5Aiterate2(
        obj, H5_INDEX_NAME, H5_ITER_INC, &at,
        [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    for (const std::string& name : names) {
        const hid_t attr = H5Aopen(obj, name.c_str(), H5P_DEFAULT);
        out.values[path + "@" + name] = readAttribute(attr);
        H5Aclose(attr);
    }
}

void collect(hid_t group, const std::string& prefix, Contents& out)
{
    collectAttributes(group, prefix.empty() ? "/" : prefix, out);
    std::vector<std::string> names;
    hsize_t at = 0;
    H5Literate(
        group, H5_INDEX_NAME, H5_ITER_INC, &at,
        [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    for (const std::string& name : names) {
        const std::string path = prefix + "/" + name;
        const hid_t obj = H5Oopen(group, name.c_str(), H5P_DEFAULT);
        H5O_info_t info{};
        H5Oget_info2(obj, &info, H5O_INFO_BASIC);
        if (info.type == H5O_TYPE_GROUP) {
            collect(obj, path, out);
        } else {
            collectAttributes(obj, path, out);
            const hid_t type = H5Dget_type(obj);
            const hid_t space = H5Dget_space(obj);
            std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
            H5Sget_simple_extent_dims(space, dims.data(), nullptr);
            std::vector<unsigned char> bytes(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)) *
                                             H5Tget_size(type));
            if (!bytes.empty())
                H5Dread(obj, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
            out.values[path] = bytes;
            out.shapes[path] = dims;
            H5Sclose(space);
            H5Tclose(type);
        }
        H5Oclose(obj);
    }
}

Contents contentsOf(const fs::path& path)
{
    Contents c;
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file >= 0) {
        collect(file, "", c);
        H5Fclose(file);
    }
    return c;
}

// A session of the current format with two tests.
void writeSession(const fs::path& path)
{
    SessionManifest m;
    m.layers = 2;
    m.heads = 2;
    m.kvHeads = 1;
    auto writer = SessionWriter::create(path, m);
    for (int id = 0; id < 2; ++id) {
        SessionTest t;
        t.id = id;
        t.scores.layers = 2;
        t.scores.heads = 2;
        for (auto& v : t.scores.values)
            v.assign(4, 0.5);
        writer->appendTest(t, {}, {});
    }
}

} // namespace

class tst_h5_older_format : public QObject {
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
            QVERIFY2(message.startsWith(QString::fromStdString(path.string()) +
                                        QStringLiteral(": damaged: its metadata crashes the HDF5 library (") + signal),
                     qPrintable(message));
            QVERIFY2(message.contains(QStringLiteral("older format (superblock 0")), qPrintable(message));
        }
        // Nothing is left behind in the temporary directory, and the file is unchanged.
        QCOMPARE(fs::file_size(path), fs::file_size(kBroken / file.toStdString()));
    }

    void olderFormatSessionsStillOpen()
    {
        QCOMPARE(h5::superblockVersion(kSample), std::optional<int>(0));
        const auto reader = SessionReader::open(kSample);
        QCOMPARE(reader->tests().size(), std::size_t{75});
        QVERIFY(!reader->steps(reader->tests().front().id).empty());
    }

    void copyKeepsEveryValue()
    {
        QTemporaryDir dir;
        const fs::path copy = fs::path(dir.path().toStdString()) / "copy.h5";
        const h5::IsolatedRun run = h5::runIsolated(
            [&] { return static_cast<int>(h5::copyIntoCurrentFormat(kSample, copy, std::size_t{1} << 30)); }, 60s);
        QCOMPARE(run.outcome, h5::IsolatedRun::Outcome::Exited);
        QCOMPARE(run.exitCode, static_cast<int>(h5::CopyOutcome::Complete));
        QCOMPARE(h5::superblockVersion(copy), std::optional<int>(2));
        const Contents original = contentsOf(kSample), copied = contentsOf(copy);
        QVERIFY(original.values.size() > 75 * 5);
        QCOMPARE(copied.values.size(), original.values.size());
        QVERIFY(copied.shapes == original.shapes);
        for (const auto& [path, bytes] : original.values)
            QVERIFY2(copied.values.count(path) && copied.values.at(path) == bytes, path.c_str());
    }

    // Writing to an older-format file (a resumed probe) upgrades it in place first.
    void writingUpgradesInPlace()
    {
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "old.h5";
        fs::copy_file(kSample, path);
        {
            const h5::Handle file = h5::openFile(path, H5F_ACC_RDWR, "a probe session");
            QVERIFY(file.valid());
        }
        QCOMPARE(h5::superblockVersion(path), std::optional<int>(2));
        const Contents original = contentsOf(kSample), upgraded = contentsOf(path);
        QVERIFY(upgraded.values == original.values);
        QCOMPARE(fs::directory_iterator(dir.path().toStdString()) == fs::directory_iterator(), false);
        int files = 0;
        for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path().toStdString()))
            ++files;
        QCOMPARE(files, 1); // no copy left beside it
    }

    void childOutcomes()
    {
        using Outcome = h5::IsolatedRun::Outcome;
        const h5::IsolatedRun exited = h5::runIsolated([] { return 7; }, 10s);
        QCOMPARE(exited.outcome, Outcome::Exited);
        QCOMPARE(exited.exitCode, 7);

        const h5::IsolatedRun crashed = h5::runIsolated([]() -> int { std::raise(SIGFPE); return 0; }, 10s);
        QCOMPARE(crashed.outcome, Outcome::Crashed);
        QCOMPARE(crashed.signal, SIGFPE);

        const h5::IsolatedRun threw = h5::runIsolated([]() -> int { throw std::runtime_error("x"); }, 10s);
        QCOMPARE(threw.outcome, Outcome::Exited);
        QCOMPARE(threw.exitCode, 125);

        const auto start = std::chrono::steady_clock::now();
        const h5::IsolatedRun hung = h5::runIsolated([] { std::this_thread::sleep_for(60s); return 0; }, 300ms);
        QCOMPARE(hung.outcome, Outcome::TimedOut);
        QVERIFY(std::chrono::steady_clock::now() - start < 10s);
    }

    // The child is forked while this thread holds HDF5's API lock; forked at any other moment, a
    // child could inherit the lock held by another thread and wait for it forever.
    void forkWhileAnotherThreadReadsSessions()
    {
        QTemporaryDir dir;
        const fs::path current = fs::path(dir.path().toStdString()) / "current.h5";
        writeSession(current);
        std::atomic<bool> stop = false;
        std::atomic<int> reads = 0;
        std::thread reader([&] {
            while (!stop) {
                (void)SessionReader::open(current);
                ++reads;
            }
        });
        int finished = 0;
        for (int i = 0; i < 12; ++i) {
            const fs::path copy = fs::path(dir.path().toStdString()) / ("copy" + std::to_string(i) + ".h5");
            const h5::IsolatedRun run = h5::runIsolated(
                [&] { return static_cast<int>(h5::copyIntoCurrentFormat(kSample, copy, std::size_t{1} << 30)); }, 5s);
            finished += run.outcome == h5::IsolatedRun::Outcome::Exited && run.exitCode == 0;
        }
        stop = true;
        reader.join();
        QCOMPARE(finished, 12);
        QVERIFY(reads > 0);
    }
};

QTEST_GUILESS_MAIN(tst_h5_older_format)
#include "tst_h5_older_format.moc"
