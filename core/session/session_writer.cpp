// SessionWriter: one HDF5 group per test, written completely, then marked complete, then the
// file is flushed and the count of complete tests (/tests attribute "complete_count") is
// raised — so a run killed mid-test leaves every earlier test readable, the reader ignores the
// half-written one, and a reader finding fewer complete tests than the count knows the file
// was damaged.
//
// Disk space: before a test is written, the space it can take is reserved on disk past HDF5's
// end of allocation (posix_fallocate). A full disk or a file-size limit then fails the
// reservation — before HDF5 has touched the file — instead of failing half-way through a
// flush, which leaves metadata pointing at blocks that were never written (the file then no
// longer opens, or loses its last tests). What the test did not use is given back after the
// flush. A write that fails anyway (an I/O error, an estimate too small) unlinks the partial
// group and closes the writer to further tests.
#include "h5_diagnose.h"
#include "h5_util.h"
#include "session_json.h"
#include "session_manifest_check.h"

#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"
#include "headscope/core/session.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

namespace headscope {

namespace {

constexpr const char* kCompleteCount = "complete_count";

long long depthKey(double depth)
{
    return std::llround(depth * 1e6);
}

// A test's datasets, laid out and checked before anything is written.
struct TestData {
    std::string record;
    std::vector<double> scores; // [metrics, layers, heads]; empty: none
    std::size_t steps = 0, cells = 0, k = 1;
    std::vector<int32_t> tokens, topIdx;
    std::vector<float> topW;
    std::vector<double> needleMass, spanTop;
    std::vector<double> write, writeNeedle; // [steps, layers, heads] each; empty: not recorded
    std::vector<int64_t> rowLen;
};

TestData layOut(const SessionTest& test, const std::vector<StoredStep>& steps, const std::vector<FullAttentionRows>& fullRows,
                const std::string& file)
{
    TestData d;
    for (const auto& values : test.scores.values)
        d.scores.insert(d.scores.end(), values.begin(), values.end());
    std::vector<std::string> datasets;
    if (!d.scores.empty())
        datasets.push_back("scores");
    if (!steps.empty())
        for (const char* s : {"token", "topk_idx", "topk_w", "needle_mass", "span_topk_mass", "row_len"})
            datasets.push_back(std::string("stats/") + s);
    // The write-aware contributions (docs/algorithms.md §1G), when every step carries them.
    const std::size_t cells = static_cast<std::size_t>(test.scores.layers) * static_cast<std::size_t>(test.scores.heads);
    const bool withWrite = !steps.empty() && std::all_of(steps.begin(), steps.end(), [&](const StoredStep& st) {
        return st.write.size() == cells && st.writeNeedle.size() == cells;
    });
    if (withWrite)
        for (const char* s : {"write", "write_needle"})
            datasets.push_back(std::string("stats/") + s);
    for (const FullAttentionRows& r : fullRows) {
        char step[32];
        std::snprintf(step, sizeof step, "rows/step_%04d", r.step);
        datasets.push_back(step);
    }
    if (!test.promptIds.empty())
        datasets.push_back("prompt_ids");
    d.record = session_json::testToJson(test, datasets);
    if (!d.scores.empty() && d.scores.size() != static_cast<std::size_t>(kHeadMetricCount) *
                                                    static_cast<std::size_t>(test.scores.layers) *
                                                    static_cast<std::size_t>(test.scores.heads))
        throw UsageError(file + ": test " + std::to_string(test.id) + " has " + std::to_string(d.scores.size()) +
                         " score values, expected metrics × layers × heads");
    d.cells = static_cast<std::size_t>(test.scores.layers) * static_cast<std::size_t>(test.scores.heads);
    d.steps = steps.size();
    for (const StoredStep& s : steps)
        for (const RowStats& r : s.rows)
            d.k = std::max(d.k, r.topIndices.size());
    d.topIdx.assign(d.steps * d.cells * d.k, -1);
    d.topW.assign(d.steps * d.cells * d.k, 0.0f);
    d.needleMass.resize(d.steps * d.cells);
    d.spanTop.resize(d.steps * d.cells);
    d.rowLen.resize(d.steps);
    for (std::size_t s = 0; s < d.steps; ++s) {
        d.tokens.push_back(steps[s].token);
        if (steps[s].rows.size() != d.cells)
            throw UsageError(file + ": step " + std::to_string(s) + " has " + std::to_string(steps[s].rows.size()) +
                             " rows, expected layers × heads = " + std::to_string(d.cells));
        for (std::size_t c = 0; c < d.cells; ++c) {
            const RowStats& r = steps[s].rows[c];
            const auto at = static_cast<std::ptrdiff_t>((s * d.cells + c) * d.k);
            std::copy(r.topIndices.begin(), r.topIndices.end(), d.topIdx.begin() + at);
            std::copy(r.topWeights.begin(), r.topWeights.end(), d.topW.begin() + at);
            d.needleMass[s * d.cells + c] = r.needleMass;
            d.spanTop[s * d.cells + c] = r.spanTopMass;
            d.rowLen[s] = r.rowLength;
        }
    }
    for (const FullAttentionRows& r : fullRows)
        if (r.f16.size() != d.cells * static_cast<std::size_t>(std::max<int64_t>(r.rowLength, 0)))
            throw UsageError(file + ": full rows of test " + std::to_string(test.id) + " step " + std::to_string(r.step) +
                             " do not have layers × heads × row length values");
    if (withWrite) {
        for (const StoredStep& st : steps) {
            d.write.insert(d.write.end(), st.write.begin(), st.write.end());
            d.writeNeedle.insert(d.writeNeedle.end(), st.writeNeedle.begin(), st.writeNeedle.end());
        }
    }
    return d;
}

// An upper bound of the bytes a test adds to the file: its raw data (deflate may grow
// incompressible data a little), an object header and chunk index per dataset, one index
// entry per chunk (writeArray keeps chunks near 64 Ki elements; full rows are chunked one row
// at a time), and the tests group's name heap, which doubles as tests are added. Checked
// against what HDF5 actually used by tst_session_faults.
uint64_t estimateBytes(const TestData& d, const SessionTest& test, const std::vector<FullAttentionRows>& fullRows,
                       int testsInFile)
{
    uint64_t raw = d.record.size() + d.scores.size() * 8 + test.promptIds.size() * 4 + 4;
    uint64_t datasets = 2 + (d.scores.empty() ? 0 : 1) + (test.promptIds.empty() ? 0 : 1);
    uint64_t chunks = 0;
    auto chunked = [&](uint64_t elements) { chunks += elements / 32768 + 1; };
    chunked(d.scores.size());
    chunked(test.promptIds.size());
    uint64_t groups = 1;
    if (d.steps > 0) {
        raw += d.steps * (4 + 8) + d.topIdx.size() * 8 + d.needleMass.size() * 16 + (d.write.size() + d.writeNeedle.size()) * 8;
        datasets += 8;
        groups += 1;
        chunked(d.topIdx.size());
        chunked(d.topIdx.size());
        chunked(d.needleMass.size());
        chunked(d.needleMass.size());
    }
    if (!fullRows.empty())
        groups += 1;
    for (const FullAttentionRows& r : fullRows) {
        raw += r.f16.size() * 2;
        datasets += 1;
        chunks += d.cells;
    }
    return raw + raw / 32 + datasets * 4096 + groups * 4096 + chunks * 160 +
           32 * static_cast<uint64_t>(std::max(testsInFile, 0)) + 16384;
}

std::string bytesText(uint64_t n)
{
    char buf[48];
    if (n >= (1ull << 20))
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1 << 20));
    else
        std::snprintf(buf, sizeof buf, "%.0f KiB", std::ceil(static_cast<double>(n) / 1024));
    return buf;
}

} // namespace

struct SessionWriter::Impl {
    std::string file;             // the session's path, for messages
    std::unique_ptr<OutputTarget> target; // where create() stages the new file
    std::filesystem::path diskPath;       // where the HDF5 file is now (staging until published)
    h5::Handle handle;
    std::set<std::tuple<int, long long, int>> done; // (length, depth in 1e-6, needle)
    int nextId = 0;
    long long completeCount = 0;
    bool failed = false;
    bool reserve = true;
    SessionAppendStats last;

    uint64_t endOfAllocation() const
    {
        haddr_t eoa = 0;
        if (H5Fget_eoa(handle.get(), &eoa) < 0)
            throw WriteError(file + ": HDF5 cannot tell the end of the file's allocated space");
        return eoa;
    }

    // Makes sure `bytes` past the end of allocation are backed by disk blocks.
    void reserveSpace(uint64_t from, uint64_t bytes) const
    {
        const int fd = ::open(diskPath.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            throw WriteError(file + ": cannot reopen to reserve space: " + std::strerror(errno));
        struct stat st {};
        ::fstat(fd, &st);
        int err = 0;
        if (static_cast<uint64_t>(st.st_size) < from + bytes)
            err = ::posix_fallocate(fd, static_cast<off_t>(from), static_cast<off_t>(bytes));
        if (err != 0)
            (void)::ftruncate(fd, st.st_size); // give back what a partial reservation took
        ::close(fd);
        if (err != 0)
            throw WriteError(file + ": " + std::strerror(err) + ": could not reserve " + bytesText(bytes) + " for the next test" +
                             " (an upper bound of what it writes); nothing of it was written, and the session keeps its " +
                             std::to_string(completeCount) +
                             " finished test" + (completeCount == 1 ? "" : "s") +
                             " (free space, then continue with --resume)");
    }

    // Gives back the reservation the last test did not use.
    void trimTo(uint64_t eoa) const
    {
        const int fd = ::open(diskPath.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        struct stat st {};
        if (::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) > eoa)
            (void)::ftruncate(fd, static_cast<off_t>(eoa));
        ::close(fd);
    }

    void writeCompleteCount(long long n)
    {
        h5::Handle tests = h5::openGroup(handle.get(), "tests", file);
        h5::Handle space(h5::check(H5Screate(H5S_SCALAR), file, "scalar dataspace"), &H5Sclose);
        h5::Handle attr(H5Aexists(tests.get(), kCompleteCount) > 0
                            ? H5Aopen(tests.get(), kCompleteCount, H5P_DEFAULT)
                            : H5Acreate2(tests.get(), kCompleteCount, H5T_NATIVE_LLONG, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        &H5Aclose);
        h5::check(attr.get(), file, "cannot open /tests attribute complete_count");
        h5::checkStatus(H5Awrite(attr.get(), H5T_NATIVE_LLONG, &n), file, "cannot write /tests attribute complete_count");
    }
};

SessionWriter::SessionWriter() : m_impl(std::make_unique<Impl>()) {}
SessionWriter::~SessionWriter()
{
    if (m_impl && m_impl->handle.valid() && !m_impl->failed)
        H5Fflush(m_impl->handle.get(), H5F_SCOPE_GLOBAL);
}

std::unique_ptr<SessionWriter> SessionWriter::create(const std::filesystem::path& path, const SessionManifest& manifest,
                                                     const SessionCreateOptions& options)
{
    h5::silenceLibraryErrors();
    session_manifest::validate(manifest, path.string());
    std::unique_ptr<SessionWriter> w(new SessionWriter());
    Impl& d = *w->m_impl;
    d.file = path.string();
    d.target = std::make_unique<OutputTarget>(path, OutputKind::Session, options.replace);
    d.diskPath = d.target->staging();
    const hid_t id = h5::createChecksummedFile(d.diskPath.string());
    if (id < 0)
        throw WriteError(d.file + ": cannot create the session file: " + h5::errorDetail());
    d.handle = h5::Handle(id, &H5Fclose);
    SessionManifest m = manifest;
    m.created = m.updated = session_json::nowIso8601();
    m.checksums = "fnv1a64";
    try {
        const std::string text = session_json::manifestToJson(m);
        h5::writeString(d.handle.get(), "manifest", text, d.file);
        h5::writeHash(d.handle.get(), "manifest", "/manifest", text.data(), text.size(), d.file);
        h5::createGroup(d.handle.get(), "tests", d.file);
        d.writeCompleteCount(0);
        h5::checkStatus(H5Fflush(d.handle.get(), H5F_SCOPE_GLOBAL), d.file, "flush failed");
    } catch (const Error& e) {
        d.failed = true;
        throw WriteError(std::string(e.what()) + " (nothing was written)");
    }
    d.trimTo(d.endOfAllocation());
    d.target->commit();
    d.diskPath = path;
    return w;
}

std::unique_ptr<SessionWriter> SessionWriter::resume(const std::filesystem::path& path, const SessionManifest& manifest)
{
    h5::silenceLibraryErrors();
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
        return create(path, manifest);
    const ExistingKind there = identifyExisting(path);
    if (there != ExistingKind::Session && there != ExistingKind::UnreadableHdf5)
        throw UsageError(path.string() + ": cannot resume: it holds " + describeExisting(there) + ", not a probe session");
    session_manifest::validate(manifest, path.string());
    std::unique_ptr<SessionWriter> w(new SessionWriter());
    Impl& d = *w->m_impl;
    d.file = path.string();
    d.diskPath = path;
    {
        // The reader must be closed before the file is reopened for writing: HDF5 refuses a
        // second open of the same file with different access flags.
        const auto reader = SessionReader::open(path);
        session_manifest::requireResumable(reader->manifest(), manifest, d.file);
        for (const SessionTest& t : reader->tests()) {
            d.done.insert({t.length, depthKey(t.depth), t.needleIndex});
            d.nextId = std::max(d.nextId, t.id + 1);
        }
        d.completeCount = static_cast<long long>(reader->tests().size());
    }
    d.handle = h5::openFile(path, H5F_ACC_RDWR, "a probe session");
    // Incomplete groups from a killed run are removed so their ids can be reused.
    h5::Handle tests = h5::openGroup(d.handle.get(), "tests", d.file);
    for (const std::string& name : h5::children(tests.get(), d.file, "/tests")) {
        h5::Handle g = h5::openGroup(tests.get(), name, d.file);
        if (!h5::exists(g.get(), "complete"))
            h5::checkStatus(H5Ldelete(tests.get(), name.c_str(), H5P_DEFAULT), d.file,
                            "cannot remove the unfinished test group /tests/" + name);
    }
    d.writeCompleteCount(d.completeCount);
    h5::checkStatus(H5Fflush(d.handle.get(), H5F_SCOPE_GLOBAL), d.file, "flush failed");
    return w;
}

bool SessionWriter::hasTest(int length, double depth, int needleIndex) const
{
    return m_impl->done.count({length, depthKey(depth), needleIndex}) != 0;
}

int SessionWriter::nextTestId() const
{
    return m_impl->nextId;
}

const SessionAppendStats& SessionWriter::lastAppend() const
{
    return m_impl->last;
}

void SessionWriter::setSpaceReservation(bool on)
{
    m_impl->reserve = on;
}

void SessionWriter::appendTest(const SessionTest& test, const std::vector<StoredStep>& steps,
                               const std::vector<FullAttentionRows>& fullRows)
{
    Impl& d = *m_impl;
    const std::string& file = d.file;
    if (d.failed)
        throw WriteError(file + ": an earlier write to this session failed; it takes no more tests");
    char name[32];
    std::snprintf(name, sizeof name, "%06d", test.id);
    const TestData data = layOut(test, steps, fullRows, file);
    {
        h5::Handle tests = h5::openGroup(d.handle.get(), "tests", file);
        if (h5::exists(tests.get(), name))
            throw UsageError(file + ": test " + std::to_string(test.id) + " already exists in the session");
    }
    const uint64_t before = d.endOfAllocation();
    const uint64_t need = estimateBytes(data, test, fullRows, d.nextId);
    if (d.reserve)
        d.reserveSpace(before, need);
    try {
        h5::Handle tests = h5::openGroup(d.handle.get(), "tests", file);
        {
            h5::Handle g = h5::createGroup(tests.get(), name, file);
            // Each dataset with the hash of its bytes (h5_diagnose.h), which the reader checks.
            auto put = [&](hid_t loc, const std::string& group, const char* dataset, hid_t type,
                           const std::vector<hsize_t>& dims, const auto& values, bool compress) {
                const std::size_t bytes = values.size() * sizeof(values[0]);
                h5::writeArray(loc, dataset, type, dims, values.data(), file, compress);
                h5::writeHash(loc, dataset, group + dataset, values.data(), bytes, file);
            };
            const std::string here = "/tests/" + std::string(name) + "/";
            put(g.get(), here, "record", H5T_NATIVE_UCHAR, {data.record.size()}, data.record, data.record.size() > 4096);
            if (!data.scores.empty())
                put(g.get(), here, "scores", H5T_NATIVE_DOUBLE,
                    {static_cast<hsize_t>(kHeadMetricCount), static_cast<hsize_t>(test.scores.layers),
                     static_cast<hsize_t>(test.scores.heads)},
                    data.scores, true);
            if (data.steps > 0) {
                const hsize_t S = data.steps, L = static_cast<hsize_t>(test.scores.layers),
                              H = static_cast<hsize_t>(test.scores.heads), K = data.k;
                h5::Handle st = h5::createGroup(g.get(), "stats", file);
                put(st.get(), here + "stats/", "token", H5T_NATIVE_INT32, {S}, data.tokens, false);
                put(st.get(), here + "stats/", "topk_idx", H5T_NATIVE_INT32, {S, L, H, K}, data.topIdx, true);
                put(st.get(), here + "stats/", "topk_w", H5T_NATIVE_FLOAT, {S, L, H, K}, data.topW, true);
                put(st.get(), here + "stats/", "needle_mass", H5T_NATIVE_DOUBLE, {S, L, H}, data.needleMass, true);
                put(st.get(), here + "stats/", "span_topk_mass", H5T_NATIVE_DOUBLE, {S, L, H}, data.spanTop, true);
                put(st.get(), here + "stats/", "row_len", H5T_NATIVE_INT64, {S}, data.rowLen, false);
                if (!data.write.empty()) {
                    put(st.get(), here + "stats/", "write", H5T_NATIVE_DOUBLE, {S, L, H}, data.write, true);
                    put(st.get(), here + "stats/", "write_needle", H5T_NATIVE_DOUBLE, {S, L, H}, data.writeNeedle, true);
                }
            }
            if (!fullRows.empty()) {
                h5::Handle rows = h5::createGroup(g.get(), "rows", file);
                const auto L = static_cast<hsize_t>(test.scores.layers), H = static_cast<hsize_t>(test.scores.heads);
                for (const FullAttentionRows& r : fullRows) {
                    char step[32];
                    std::snprintf(step, sizeof step, "step_%04d", r.step);
                    h5::writeHalfArray(rows.get(), step, {L, H, static_cast<hsize_t>(r.rowLength)}, r.f16.data(), file);
                }
            }
            if (!test.promptIds.empty())
                put(g.get(), here, "prompt_ids", H5T_NATIVE_INT32, {test.promptIds.size()}, test.promptIds, true);
            const int32_t one = 1;
            h5::writeArray(g.get(), "complete", H5T_NATIVE_INT32, {1}, &one, file);
        }
        h5::checkStatus(H5Fflush(d.handle.get(), H5F_SCOPE_GLOBAL), file, "flush failed");
        d.writeCompleteCount(d.completeCount + 1);
        h5::checkStatus(H5Fflush(d.handle.get(), H5F_SCOPE_GLOBAL), file, "flush failed");
    } catch (const Error& e) {
        d.failed = true;
        // Unlink the partial group (an in-place change that needs no new space), so what HDF5
        // still flushes on close does not make it reachable.
        if (h5::Handle tests(H5Gopen2(d.handle.get(), "tests", H5P_DEFAULT), &H5Gclose); tests.valid())
            H5Ldelete(tests.get(), name, H5P_DEFAULT);
        H5Fflush(d.handle.get(), H5F_SCOPE_GLOBAL);
        throw WriteError(std::string(e.what()) + " — writing test " + std::to_string(test.id) +
                         " failed; the session keeps its " + std::to_string(d.completeCount) +
                         " finished tests (fix the cause, then continue with --resume)");
    }
    ++d.completeCount;
    const uint64_t after = d.endOfAllocation();
    d.last.reservedBytes = d.reserve ? need : 0;
    d.last.usedBytes = after > before ? after - before : 0;
    d.trimTo(after);
    d.done.insert({test.length, depthKey(test.depth), test.needleIndex});
    d.nextId = std::max(d.nextId, test.id + 1);
}

} // namespace headscope
