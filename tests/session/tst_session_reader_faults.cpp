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
        const fs::path p = fresh("compact.h5");
        QVERIFY(replaceWithShortCompact(p, "tests/000000/prompt_ids", {1, 2, 3}, 4));
        const auto r = SessionReader::open(p);
        expectFormatError([&] { r->promptIds(0); },
                          "tests/000000/prompt_ids is a compact dataset that needs 12 bytes, but its header holds 4");
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
