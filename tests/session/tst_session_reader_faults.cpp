// A damaged session is refused with a FormatError naming the dataset, never read past a buffer
// or sized from a number the file cannot back. Each case was found by fuzzing the reader
// (tests/fuzz/fuzz_session_reader.cpp); the damage is made here with the HDF5 API on a session
// written by SessionWriter, and the fuzzer's own reproducer is kept in tests/data/broken/session.
#include "headscope/core/errors.h"
#include "headscope/core/session.h"

#include <hdf5.h>
#include <zlib.h>

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace headscope;
namespace fs = std::filesystem;

namespace {

// One test of a 2-layer, 2-head model with two scored steps (top-2 each), prompt ids and one
// step of full rows: every dataset the reader has.
void writeSession(const fs::path& path)
{
    SessionManifest m;
    m.layers = 2;
    m.heads = 2;
    m.kvHeads = 1;
    auto writer = SessionWriter::create(path, m);
    SessionTest t;
    t.scores.layers = 2;
    t.scores.heads = 2;
    for (auto& v : t.scores.values)
        v.assign(4, 0.5);
    t.promptIds = {1, 2, 3};
    std::vector<StoredStep> steps(2);
    for (StoredStep& s : steps) {
        s.rows.resize(4);
        for (RowStats& r : s.rows) {
            r.topIndices = {0, 1};
            r.topWeights = {0.5f, 0.25f};
            r.rowLength = 3;
        }
    }
    writer->appendTest(t, steps, {{0, 3, std::vector<uint16_t>(12, 0x3c00)}});
}

// Replaces a dataset by a chunked one of `count` ints that holds no data (HDF5 creates it
// without storage, so the file stays small whatever `count` claims).
void replaceDataset(const fs::path& path, const char* name, hsize_t count, bool writeData)
{
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    QVERIFY(f >= 0);
    H5Ldelete(f, name, H5P_DEFAULT);
    const hid_t space = H5Screate_simple(1, &count, nullptr);
    const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
    const hsize_t chunk = std::min<hsize_t>(count, 4096);
    H5Pset_chunk(props, 1, &chunk);
    const hid_t set = H5Dcreate2(f, name, H5T_NATIVE_INT32, space, H5P_DEFAULT, props, H5P_DEFAULT);
    QVERIFY(set >= 0);
    if (writeData) {
        const std::vector<int32_t> values(count, 7);
        QVERIFY(H5Dwrite(set, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    }
    H5Dclose(set);
    H5Pclose(props);
    H5Sclose(space);
    H5Fclose(f);
}

void replaceString(const fs::path& path, const char* name, const std::string& text)
{
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    QVERIFY(f >= 0);
    H5Ldelete(f, name, H5P_DEFAULT);
    const hsize_t n = text.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t set = H5Dcreate2(f, name, H5T_NATIVE_UCHAR, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    QVERIFY(H5Dwrite(set, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) >= 0);
    H5Dclose(set);
    H5Sclose(space);
    H5Fclose(f);
}

// Replaces `name` by a compact int32 dataset of `values`, then shrinks the size its header
// declares for the stored block to `declaredBytes` (HDF5 checks nothing when it reads the header
// back). Returns false when the layout message was not found in the file.
bool replaceWithShortCompact(const fs::path& path, const char* name, const std::vector<int32_t>& values,
                             uint16_t declaredBytes)
{
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        return false;
    H5Ldelete(f, name, H5P_DEFAULT);
    const hsize_t n = values.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(props, H5D_COMPACT);
    const hid_t set = H5Dcreate2(f, name, H5T_NATIVE_INT32, space, H5P_DEFAULT, props, H5P_DEFAULT);
    const bool written = set >= 0 && H5Dwrite(set, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
    H5Dclose(set);
    H5Pclose(props);
    H5Sclose(space);
    H5Fclose(f);
    if (!written)
        return false;
    // Layout message, version 3: version, class 0 (compact), 2-byte size, then the values.
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const uint16_t size = static_cast<uint16_t>(values.size() * sizeof(int32_t));
    std::string pattern = {char(3), char(0), char(size & 0xff), char(size >> 8)};
    pattern.append(reinterpret_cast<const char*>(values.data()), size);
    const std::size_t at = bytes.find(pattern);
    if (at == std::string::npos)
        return false;
    bytes[at + 2] = char(declaredBytes & 0xff);
    bytes[at + 3] = char(declaredBytes >> 8);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return true;
}

// Replaces `name` by a deflated, chunked int32 dataset of `count` values in one chunk whose
// stored bytes are valid deflate data for only `inflatedBytes` bytes.
void replaceWithShortChunk(const fs::path& path, const char* name, hsize_t count, std::size_t inflatedBytes)
{
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    QVERIFY(f >= 0);
    H5Ldelete(f, name, H5P_DEFAULT);
    const hid_t space = H5Screate_simple(1, &count, nullptr);
    const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(props, 1, &count);
    H5Pset_deflate(props, 4);
    const hid_t set = H5Dcreate2(f, name, H5T_NATIVE_INT32, space, H5P_DEFAULT, props, H5P_DEFAULT);
    QVERIFY(set >= 0);
    const std::vector<unsigned char> plain(inflatedBytes, 7);
    std::vector<unsigned char> packed(compressBound(static_cast<uLong>(plain.size())));
    uLongf packedSize = static_cast<uLongf>(packed.size());
    QCOMPARE(compress2(packed.data(), &packedSize, plain.data(), static_cast<uLong>(plain.size()), 4), Z_OK);
    const hsize_t origin = 0;
    QVERIFY(H5Dwrite_chunk(set, H5P_DEFAULT, 0, &origin, packedSize, packed.data()) >= 0);
    H5Dclose(set);
    H5Pclose(props);
    H5Sclose(space);
    H5Fclose(f);
}

// Everything SessionReader gives for `path`, as text, to compare two files' readings.
std::string everythingRead(const fs::path& path)
{
    const auto r = SessionReader::open(path);
    std::string out;
    for (const SessionTest& t : r->tests()) {
        out += std::to_string(t.id) + ":";
        for (const auto& metric : t.scores.values)
            for (double v : metric)
                out += std::to_string(v) + ",";
        for (const StoredStep& s : r->steps(t.id)) {
            out += "|" + std::to_string(s.token);
            for (const RowStats& row : s.rows)
                out += ";" + std::to_string(row.rowLength) + "," + std::to_string(row.needleMass) + "," +
                       std::to_string(row.topIndices.size());
        }
        for (int32_t id : r->promptIds(t.id))
            out += "p" + std::to_string(id);
        for (int step : r->fullRowSteps(t.id))
            for (float v : r->fullRows(t.id, step))
                out += "r" + std::to_string(v);
    }
    return out;
}

void expectFormatError(const std::function<void()>& f, const char* fragment)
{
    try {
        f();
        QFAIL("no error");
    } catch (const FormatError& e) {
        QVERIFY2(std::string(e.what()).find(fragment) != std::string::npos, e.what());
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QStringLiteral("wrong exception type: ") + QString::fromUtf8(e.what())));
    }
}

} // namespace

class TestSessionReaderFaults : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fs::path fresh(const char* name)
    {
        const fs::path p = m_dir.filePath(QLatin1String(name)).toStdString();
        writeSession(p);
        return p;
    }

private Q_SLOTS:
    void intactSessionReads()
    {
        const auto r = SessionReader::open(fresh("intact.h5"));
        QCOMPARE(r->steps(0).size(), std::size_t(2));
        QCOMPARE(r->promptIds(0), (std::vector<int32_t>{1, 2, 3}));
        QCOMPARE(r->fullRowSteps(0), std::vector<int>{0});
        QCOMPARE(r->fullRows(0, 0).size(), std::size_t(12));
    }

    // A companion dataset larger than topk_idx's shape implies was read past the end of its
    // buffer (heap overflow).
    void statsDatasetsMustAgree()
    {
        const fs::path p = fresh("stats.h5");
        replaceDataset(p, "tests/000000/stats/topk_w", 1 << 20, true);
        const auto r = SessionReader::open(p);
        expectFormatError([&] { r->steps(0); }, "tests/000000/stats/topk_w: holds 1048576 values, expected 16");
        const fs::path fuzzed = fs::path(HEADSCOPE_SOURCE_DIR) / "tests/data/broken/session/stats_datasets_disagree.h5";
        expectFormatError([&] { SessionReader::open(fuzzed)->steps(0); }, "values, expected");
    }

    // Dimensions the file cannot back were allocated before reading (2^40 ids: 4 TiB).
    void dimensionsBeyondTheFileRefused()
    {
        const fs::path p = fresh("dims.h5");
        replaceDataset(p, "tests/000000/prompt_ids", hsize_t(1) << 40, false);
        const auto r = SessionReader::open(p);
        expectFormatError([&] { r->promptIds(0); }, "prompt_ids: dimensions [1099511627776] claim more data than a");
    }

    // A plausible number of values in more chunks than the file could index (none of them
    // written): libhdf5 would set up each of the 4 M chunks to read fill values.
    void chunksBeyondTheFileRefused()
    {
        const fs::path p = fresh("grid.h5");
        {
            const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
            QVERIFY(f >= 0);
            H5Ldelete(f, "tests/000000/prompt_ids", H5P_DEFAULT);
            const hsize_t count = hsize_t(1) << 22, one = 1;
            const hid_t space = H5Screate_simple(1, &count, nullptr);
            const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
            H5Pset_chunk(props, 1, &one);
            const hid_t set = H5Dcreate2(f, "tests/000000/prompt_ids", H5T_NATIVE_INT32, space, H5P_DEFAULT, props, H5P_DEFAULT);
            QVERIFY(set >= 0);
            H5Dclose(set);
            H5Pclose(props);
            H5Sclose(space);
            H5Fclose(f);
        }
        const auto r = SessionReader::open(p);
        expectFormatError([&] { r->promptIds(0); }, "prompt_ids: its shape [4194304] in chunks of [1] needs more chunks than a");
    }

    // A chunked dataset without dimensions (HDF5 never writes one; found by fuzzing, where
    // reading it took minutes).
    void chunkedScalarRefused()
    {
        const fs::path fuzzed = fs::path(HEADSCOPE_SOURCE_DIR) / "tests/data/broken/session/older_format_chunked_scalar.h5";
        expectFormatError([&] { SessionReader::open(fuzzed); }, "/tests/000000/scores: chunked storage for a dataset without dimensions");
    }

    void manifestShapeBounded()
    {
        const fs::path p = fresh("manifest.h5");
        replaceString(p, "manifest", R"({"format_version": 1, "layers": 1000000000, "heads": 2})");
        expectFormatError([&] { SessionReader::open(p); }, "/manifest: layers 1000000000 and heads 2 must lie in 1..1024");
    }

    // A deflated chunk that inflates to fewer bytes than a chunk holds made HDF5 copy past the
    // end of the inflated buffer (heap overflow found by fuzzing).
    void shortDeflatedChunkRefused()
    {
        const fs::path p = fresh("chunk.h5");
        replaceWithShortChunk(p, "tests/000000/prompt_ids", 3, 4);
        const auto r = SessionReader::open(p);
        expectFormatError([&] { r->promptIds(0); },
                          "tests/000000/prompt_ids: chunk 0 holds 4 bytes after inflating, expected 12");
        const fs::path fuzzed = fs::path(HEADSCOPE_SOURCE_DIR) / "tests/data/broken/session/short_deflated_chunk.h5";
        expectFormatError([&] { SessionReader::open(fuzzed); }, "/tests/000000/scores: chunk 0 holds 49 bytes, expected 416");
    }

    // A compact dataset whose header block is shorter than its dataspace needs: the same
    // overflow through the header instead of a chunk.
    void shortCompactBlockRefused()
    {
        // In a session of the older, unchecksummed format (the sample session was written so),
        // which HeadScope still reads; in the current format the header's checksum fails first.
        const fs::path p = m_dir.filePath(QStringLiteral("compact.h5")).toStdString();
        fs::copy_file(fs::path(HEADSCOPE_SOURCE_DIR) / "sample_sessions/demo_probe.h5", p);
        QVERIFY(replaceWithShortCompact(p, "tests/000000/prompt_ids", {1, 2, 3}, 4));
        const auto r = SessionReader::open(p);
        expectFormatError([&] { r->promptIds(0); },
                          "tests/000000/prompt_ids is a compact dataset that needs 12 bytes, but its header holds 4");
    }

    // Sessions are written in HDF5's checksummed format (superblock 2), so damaged metadata is
    // refused before libhdf5 decodes it.
    void writtenInTheChecksummedFormat()
    {
        const fs::path p = fresh("format.h5");
        std::ifstream in(p, std::ios::binary);
        char head[9] = {};
        in.read(head, sizeof head);
        QCOMPARE(std::string(head, 4), std::string("\x89HDF", 4));
        QCOMPARE(int(head[8]), 2);
    }

    // One flipped byte inside each object header in turn (the "OHDR" blocks): a FormatError that
    // names the failed checksum, or — for a header the reader never opens (the "complete"
    // marker is only looked up by name) — exactly what the intact session reads.
    void damagedObjectHeadersRefused()
    {
        const fs::path p = fresh("ohdr.h5");
        const std::string intact = everythingRead(p);
        std::string bytes;
        {
            std::ifstream in(p, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        int headers = 0, refused = 0;
        for (std::size_t at = bytes.find("OHDR"); at != std::string::npos; at = bytes.find("OHDR", at + 4)) {
            ++headers;
            std::string damaged = bytes;
            damaged[at + 12] = char(damaged[at + 12] ^ 0x5a);
            const fs::path q = m_dir.filePath(QStringLiteral("ohdr_%1.h5").arg(headers)).toStdString();
            std::ofstream(q, std::ios::binary | std::ios::trunc) << damaged;
            try {
                QVERIFY2(everythingRead(q) == intact,
                         qPrintable(QStringLiteral("header %1 at byte %2: read differently, no error").arg(headers).arg(at)));
            } catch (const FormatError& e) {
                ++refused;
                QVERIFY2(std::string(e.what()).find("checksum") != std::string::npos, e.what());
            }
        }
        QVERIFY2(headers >= 12, qPrintable(QStringLiteral("%1 object headers; expected the root group, manifest, tests and datasets").arg(headers)));
        QVERIFY2(refused >= headers - 2, qPrintable(QStringLiteral("%1 of %2 refused").arg(refused).arg(headers)));
    }

    // A rows group member named step_<not a number> escaped as std::invalid_argument.
    void malformedStepNameRefused()
    {
        const fs::path p = fresh("steps.h5");
        const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        QVERIFY(f >= 0);
        // Added beside step_0000 (a checksummed session lists its datasets, so a renamed one
        // would be refused at open as missing).
        const hid_t g = H5Gcreate2(f, "tests/000000/rows/step_x", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        QVERIFY(g >= 0);
        H5Gclose(g);
        H5Fclose(f);
        const auto r = SessionReader::open(p);
        expectFormatError([&] { r->fullRowSteps(0); }, "rows/step_x: expected step_<number>");
    }
};

QTEST_GUILESS_MAIN(TestSessionReaderFaults)
#include "tst_session_reader_faults.moc"
