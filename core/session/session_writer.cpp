// SessionWriter: one HDF5 group per test, written completely, then marked complete, then the
// file is flushed — so a run killed mid-test leaves every earlier test readable, and the
// reader ignores the half-written one.
#include "h5_util.h"
#include "session_json.h"

#include "headscope/core/errors.h"
#include "headscope/core/session.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

namespace headscope {

struct SessionWriter::Impl {
    std::string file;
    h5::Handle handle;
    std::set<std::tuple<int, long long, int>> done; // (length, depth in 1e-6, needle)
    int nextId = 0;
};

SessionWriter::SessionWriter() : m_impl(std::make_unique<Impl>()) {}
SessionWriter::~SessionWriter()
{
    if (m_impl && m_impl->handle.valid())
        H5Fflush(m_impl->handle.get(), H5F_SCOPE_GLOBAL);
}

namespace {
long long depthKey(double depth)
{
    return std::llround(depth * 1e6);
}

void writeScores(hid_t group, const TestHeadScores& s, const std::string& file)
{
    std::vector<double> flat;
    for (const auto& values : s.values)
        flat.insert(flat.end(), values.begin(), values.end());
    if (flat.empty())
        return;
    h5::writeArray(group, "scores", H5T_NATIVE_DOUBLE,
                   {static_cast<hsize_t>(kHeadMetricCount), static_cast<hsize_t>(s.layers), static_cast<hsize_t>(s.heads)},
                   flat.data(), file, true);
}

void writeSteps(hid_t group, const std::vector<StoredStep>& steps, int layers, int heads, const std::string& file)
{
    if (steps.empty())
        return;
    std::size_t k = 1;
    for (const StoredStep& s : steps)
        for (const RowStats& r : s.rows)
            k = std::max(k, r.topIndices.size());
    const std::size_t cells = static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads);
    std::vector<int32_t> idx(steps.size() * cells * k, -1), tokens;
    std::vector<float> w(steps.size() * cells * k, 0.0f);
    std::vector<double> needleMass(steps.size() * cells), spanTop(steps.size() * cells);
    std::vector<int64_t> rowLen(steps.size());
    for (std::size_t s = 0; s < steps.size(); ++s) {
        tokens.push_back(steps[s].token);
        if (steps[s].rows.size() != cells)
            throw UsageError("session: step " + std::to_string(s) + " has " + std::to_string(steps[s].rows.size()) +
                             " rows, expected layers × heads = " + std::to_string(cells));
        for (std::size_t c = 0; c < cells; ++c) {
            const RowStats& r = steps[s].rows[c];
            std::copy(r.topIndices.begin(), r.topIndices.end(), idx.begin() + static_cast<std::ptrdiff_t>((s * cells + c) * k));
            std::copy(r.topWeights.begin(), r.topWeights.end(), w.begin() + static_cast<std::ptrdiff_t>((s * cells + c) * k));
            needleMass[s * cells + c] = r.needleMass;
            spanTop[s * cells + c] = r.spanTopMass;
            rowLen[s] = r.rowLength;
        }
    }
    const hsize_t S = steps.size(), L = static_cast<hsize_t>(layers), H = static_cast<hsize_t>(heads), K = k;
    h5::Handle g = h5::createGroup(group, "stats", file);
    h5::writeArray(g.get(), "token", H5T_NATIVE_INT32, {S}, tokens.data(), file);
    h5::writeArray(g.get(), "topk_idx", H5T_NATIVE_INT32, {S, L, H, K}, idx.data(), file, true);
    h5::writeArray(g.get(), "topk_w", H5T_NATIVE_FLOAT, {S, L, H, K}, w.data(), file, true);
    h5::writeArray(g.get(), "needle_mass", H5T_NATIVE_DOUBLE, {S, L, H}, needleMass.data(), file, true);
    h5::writeArray(g.get(), "span_topk_mass", H5T_NATIVE_DOUBLE, {S, L, H}, spanTop.data(), file, true);
    h5::writeArray(g.get(), "row_len", H5T_NATIVE_INT64, {S}, rowLen.data(), file);
    // The write-aware contributions (§1G), when every step carries them.
    if (std::all_of(steps.begin(), steps.end(), [&](const StoredStep& st) {
            return st.write.size() == cells && st.writeNeedle.size() == cells;
        })) {
        std::vector<double> write, needle;
        for (const StoredStep& st : steps) {
            write.insert(write.end(), st.write.begin(), st.write.end());
            needle.insert(needle.end(), st.writeNeedle.begin(), st.writeNeedle.end());
        }
        h5::writeArray(g.get(), "write", H5T_NATIVE_DOUBLE, {S, L, H}, write.data(), file, true);
        h5::writeArray(g.get(), "write_needle", H5T_NATIVE_DOUBLE, {S, L, H}, needle.data(), file, true);
    }
}
} // namespace

std::unique_ptr<SessionWriter> SessionWriter::create(const std::filesystem::path& path, const SessionManifest& manifest)
{
    h5::silenceLibraryErrors();
    std::unique_ptr<SessionWriter> w(new SessionWriter());
    w->m_impl->file = path.string();
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
        throw UsageError(path.string() + ": session already exists (use --resume to continue it, or choose another --out)");
    w->m_impl->handle = h5::Handle(
        h5::check(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), path.string(), "cannot create session file"),
        &H5Fclose);
    SessionManifest m = manifest;
    m.created = m.updated = session_json::nowIso8601();
    h5::writeString(w->m_impl->handle.get(), "manifest", session_json::manifestToJson(m), w->m_impl->file);
    h5::createGroup(w->m_impl->handle.get(), "tests", w->m_impl->file);
    H5Fflush(w->m_impl->handle.get(), H5F_SCOPE_GLOBAL);
    return w;
}

std::unique_ptr<SessionWriter> SessionWriter::resume(const std::filesystem::path& path, const SessionManifest& manifest)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return create(path, manifest);
    std::unique_ptr<SessionWriter> w(new SessionWriter());
    w->m_impl->file = path.string();
    {
        // The reader must be closed before the file is reopened for writing: HDF5 refuses a
        // second open of the same file with different access flags.
        const auto reader = SessionReader::open(path);
        const SessionManifest& old = reader->manifest();
        auto mismatch = [&](const std::string& key, const std::string& a, const std::string& b) {
            if (a != b)
                throw UsageError(path.string() + ": cannot resume: manifest key \"" + key + "\" differs (session: " + a +
                                 ", this run: " + b + ")");
        };
        mismatch("tokenizer_sha256", old.tokenizerSha256, manifest.tokenizerSha256);
        mismatch("needles_jsonl", old.needlesJsonl, manifest.needlesJsonl);
        mismatch("mode", old.mode, manifest.mode);
        mismatch("top_k", std::to_string(old.topK), std::to_string(manifest.topK));
        mismatch("prompt_template", old.promptTemplate, manifest.promptTemplate);
        mismatch("haystack", old.haystack, manifest.haystack);
        for (const SessionTest& t : reader->tests()) {
            w->m_impl->done.insert({t.length, depthKey(t.depth), t.needleIndex});
            w->m_impl->nextId = std::max(w->m_impl->nextId, t.id + 1);
        }
    }
    w->m_impl->handle = h5::Handle(
        h5::check(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), path.string(), "cannot open session for writing"),
        &H5Fclose);
    // Incomplete groups from a killed run are removed so their ids can be reused.
    h5::Handle tests = h5::openGroup(w->m_impl->handle.get(), "tests", w->m_impl->file);
    for (const std::string& name : h5::children(tests.get())) {
        h5::Handle g = h5::openGroup(tests.get(), name, w->m_impl->file);
        if (!h5::exists(g.get(), "complete")) {
            H5Ldelete(tests.get(), name.c_str(), H5P_DEFAULT);
        }
    }
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

void SessionWriter::appendTest(const SessionTest& test, const std::vector<StoredStep>& steps,
                               const std::vector<FullAttentionRows>& fullRows)
{
    const std::string& file = m_impl->file;
    h5::Handle tests = h5::openGroup(m_impl->handle.get(), "tests", file);
    char name[32];
    std::snprintf(name, sizeof name, "%06d", test.id);
    if (h5::exists(tests.get(), name))
        throw UsageError(file + ": test " + std::to_string(test.id) + " already exists in the session");
    {
        h5::Handle g = h5::createGroup(tests.get(), name, file);
        h5::writeString(g.get(), "record", session_json::testToJson(test), file);
        writeScores(g.get(), test.scores, file);
        writeSteps(g.get(), steps, test.scores.layers, test.scores.heads, file);
        if (!fullRows.empty()) {
            h5::Handle rows = h5::createGroup(g.get(), "rows", file);
            const auto L = static_cast<hsize_t>(test.scores.layers), H = static_cast<hsize_t>(test.scores.heads);
            for (const FullAttentionRows& r : fullRows) {
                char step[32];
                std::snprintf(step, sizeof step, "step_%04d", r.step);
                if (r.f16.size() != L * H * static_cast<hsize_t>(r.rowLength))
                    throw UsageError(file + ": full rows of test " + std::to_string(test.id) + " step " +
                                     std::to_string(r.step) + " do not have layers × heads × row length values");
                h5::writeHalfArray(rows.get(), step, {L, H, static_cast<hsize_t>(r.rowLength)}, r.f16.data(), file);
            }
        }
        if (!test.promptIds.empty())
            h5::writeArray(g.get(), "prompt_ids", H5T_NATIVE_INT32, {test.promptIds.size()}, test.promptIds.data(), file,
                           true);
        const int32_t one = 1;
        h5::writeArray(g.get(), "complete", H5T_NATIVE_INT32, {1}, &one, file);
    }
    h5::checkStatus(H5Fflush(m_impl->handle.get(), H5F_SCOPE_GLOBAL), file, "flush failed");
    m_impl->done.insert({test.length, depthKey(test.depth), test.needleIndex});
    m_impl->nextId = std::max(m_impl->nextId, test.id + 1);
}

} // namespace headscope
