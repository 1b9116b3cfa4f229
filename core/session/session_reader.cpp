#include "h5_diagnose.h"
#include "h5_util.h"
#include "session_json.h"

#include "headscope/core/confidence_interval.h"
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h" // kMaxModelLayers, kMaxModelHeads
#include "headscope/core/session.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

namespace headscope {

Gate parseGate(const std::string& name)
{
    if (name == "none" || name.empty())
        return Gate::None;
    if (name == "rouge1")
        return Gate::Rouge1;
    if (name == "qaf1")
        return Gate::QaF1;
    throw UsageError("--gate: expected none, rouge1 or qaf1, got '" + name + "'");
}

struct SessionReader::Impl {
    std::filesystem::path path;
    std::string file;
    h5::Handle handle;
    SessionManifest manifest;
    std::vector<SessionTest> tests;
    bool hashed = false; // every dataset carries its hash (manifest "checksums")
    bool writeScores = false; // some test's scores hold the write-aware metrics
};

SessionReader::SessionReader() : m_impl(std::make_unique<Impl>()) {}
SessionReader::~SessionReader() = default;

std::unique_ptr<SessionReader> SessionReader::open(const std::filesystem::path& path)
{
    std::unique_ptr<SessionReader> r(new SessionReader());
    Impl& d = *r->m_impl;
    d.path = path;
    d.file = path.string();
    d.handle = h5::openFile(path, H5F_ACC_RDONLY, "a probe session (HDF5)");
    const htri_t hasManifest = H5Lexists(d.handle.get(), "manifest", H5P_DEFAULT);
    if (hasManifest < 0)
        throw FormatError(d.file + ": damaged: the root group cannot be read (" + h5::errorDetail() + ")");
    if (hasManifest == 0)
        throw FormatError(d.file + ": not a HeadScope session (no /manifest)");
    const std::string manifestText = h5::readString(d.handle.get(), "manifest", d.file);
    d.manifest = session_json::manifestFromJson(manifestText, d.file);
    d.hashed = d.manifest.checksums == "fnv1a64";
    h5::verifyHash(d.handle.get(), "manifest", manifestText.data(), manifestText.size(), d.file, "/manifest", d.hashed);
    const int L = d.manifest.layers, H = d.manifest.heads;
    // Every per-test matrix is sized from these; a damaged manifest must not size them.
    if (L <= 0 || L > kMaxModelLayers || H <= 0 || H > kMaxModelHeads)
        throw FormatError(d.file + ": /manifest: layers " + std::to_string(L) + " and heads " + std::to_string(H) +
                          " must lie in 1.." + std::to_string(kMaxModelLayers) + " and 1.." + std::to_string(kMaxModelHeads));
    if (H5Lexists(d.handle.get(), "tests", H5P_DEFAULT) <= 0)
        throw FormatError(d.file + ": damaged: the /tests group is missing or cannot be read");
    h5::Handle tests = h5::openGroup(d.handle.get(), "tests", d.file);
    const std::vector<std::string> names = h5::children(tests.get(), d.file, "/tests");
    // Writers name test groups 000000, 000001, … without gaps (resume reuses the id of a test
    // that was in flight), so a gap is a group the file has lost.
    for (std::size_t i = 0; i < names.size(); ++i) {
        char expected[32];
        std::snprintf(expected, sizeof expected, "%06zu", i);
        if (names[i] != expected)
            throw FormatError(d.file + ": damaged: test group /tests/" + expected + " is missing (the groups present run " +
                              names.front() + " … " + names.back() + ", " + std::to_string(names.size()) + " of them)");
    }
    for (const std::string& name : names) {
        const std::string where = "/tests/" + name;
        const hid_t gid = H5Gopen2(tests.get(), name.c_str(), H5P_DEFAULT);
        if (gid < 0)
            throw FormatError(d.file + ": damaged: " + where + " cannot be read (" + h5::errorDetail() + ")");
        h5::Handle g(gid, &H5Gclose);
        const htri_t complete = H5Lexists(g.get(), "complete", H5P_DEFAULT);
        if (complete < 0)
            throw FormatError(d.file + ": damaged: " + where + " cannot be read (" + h5::errorDetail() + ")");
        if (complete == 0)
            continue; // a test in flight when the run was killed
        const std::string record = h5::readString(g.get(), "record", d.file);
        h5::verifyHash(g.get(), "record", record.data(), record.size(), d.file, where + "/record", d.hashed);
        std::vector<std::string> datasets;
        SessionTest t = session_json::testFromJson(record, d.file + ": " + where, &datasets);
        for (const std::string& dataset : datasets)
            if (!h5::exists(g.get(), dataset.substr(0, dataset.find('/'))) || !h5::exists(g.get(), dataset))
                throw FormatError(d.file + ": damaged: " + where + "/" + dataset + " is missing (its record lists it)");
        if (t.id != std::stoi(name))
            throw FormatError(d.file + ": damaged: " + where + "/record holds id " + std::to_string(t.id));
        t.scores.layers = L;
        t.scores.heads = H;
        if (h5::exists(g.get(), "scores")) {
            // Sessions written before the write-aware scores (§1G) hold 13 metrics.
            const auto dims = h5::arrayDims(g.get(), "scores", d.file);
            const int metrics = dims.empty() ? 0 : static_cast<int>(dims[0]);
            if (dims.size() != 3 || (metrics != kHeadMetricCount && metrics != kReadOnlyHeadMetricCount) ||
                dims[1] != static_cast<hsize_t>(L) || dims[2] != static_cast<hsize_t>(H))
                throw FormatError(d.file + ": /tests/" + name + "/scores: expected shape [" + std::to_string(kHeadMetricCount) +
                                  " (or " + std::to_string(kReadOnlyHeadMetricCount) + "), " + std::to_string(L) + ", " +
                                  std::to_string(H) + "]");
            std::vector<double> flat(static_cast<std::size_t>(metrics * L * H));
            h5::readArray(g.get(), "scores", H5T_NATIVE_DOUBLE, flat.data(), flat.size(), d.file);
            h5::verifyHash(g.get(), "scores", flat.data(), flat.size() * sizeof(double), d.file, where + "/scores", d.hashed);
            const std::size_t cells = static_cast<std::size_t>(L * H);
            for (int m = 0; m < kHeadMetricCount; ++m) {
                auto& dst = t.scores.values[static_cast<std::size_t>(m)];
                if (m < metrics)
                    dst.assign(flat.begin() + static_cast<std::ptrdiff_t>(m * cells),
                               flat.begin() + static_cast<std::ptrdiff_t>((m + 1) * cells));
                else
                    dst.assign(cells, 0.0);
            }
            d.writeScores = d.writeScores || metrics == kHeadMetricCount;
        }
        d.tests.push_back(std::move(t));
    }
    std::sort(d.tests.begin(), d.tests.end(), [](const SessionTest& a, const SessionTest& b) { return a.id < b.id; });
    // The writer raises /tests' complete_count after each test is on disk (sessions from
    // before it was kept have none): fewer complete tests than that is a file that lost some.
    const htri_t counted = H5Aexists(tests.get(), "complete_count");
    if (d.hashed && counted <= 0)
        throw FormatError(d.file + ": damaged: /tests has lost its count of complete tests");
    if (counted > 0) {
        long long committed = 0;
        h5::Handle attr(H5Aopen(tests.get(), "complete_count", H5P_DEFAULT), &H5Aclose);
        if (!attr.valid() || H5Aread(attr.get(), H5T_NATIVE_LLONG, &committed) < 0)
            throw FormatError(d.file + ": damaged: /tests attribute complete_count cannot be read");
        if (static_cast<long long>(d.tests.size()) < committed)
            throw FormatError(d.file + ": damaged: " + std::to_string(committed) + " tests were written but only " +
                              std::to_string(d.tests.size()) + " can be read");
    }
    return r;
}

const std::filesystem::path& SessionReader::path() const
{
    return m_impl->path;
}

const SessionManifest& SessionReader::manifest() const
{
    return m_impl->manifest;
}

const std::vector<SessionTest>& SessionReader::tests() const
{
    return m_impl->tests;
}

const SessionTest* SessionReader::test(int testId) const
{
    for (const SessionTest& t : m_impl->tests)
        if (t.id == testId)
            return &t;
    return nullptr;
}

std::vector<int32_t> SessionReader::promptIds(int testId) const
{
    const Impl& d = *m_impl;
    char name[48];
    std::snprintf(name, sizeof name, "tests/%06d", testId);
    if (!h5::exists(d.handle.get(), "tests") || !h5::exists(d.handle.get(), name))
        throw FormatError(d.file + ": no test " + std::to_string(testId) + " in the session");
    h5::Handle g = h5::openGroup(d.handle.get(), name, d.file);
    if (!h5::exists(g.get(), "prompt_ids"))
        throw FormatError(d.file + ": /" + name + "/prompt_ids is missing (the session predates stored "
                          "prompts; re-run the probe to compare on its tests)");
    const auto dims = h5::arrayDims(g.get(), "prompt_ids", d.file);
    if (dims.size() != 1)
        throw FormatError(d.file + ": /" + name + "/prompt_ids: expected a 1-D int32 dataset");
    std::vector<int32_t> ids(dims[0]);
    h5::readArray(g.get(), "prompt_ids", H5T_NATIVE_INT32, ids.data(), ids.size(), d.file);
    h5::verifyHash(g.get(), "prompt_ids", ids.data(), ids.size() * sizeof(int32_t), d.file, "/" + std::string(name) + "/prompt_ids", d.hashed);
    return ids;
}

std::vector<int> SessionReader::fullRowSteps(int testId) const
{
    const Impl& d = *m_impl;
    char name[48];
    std::snprintf(name, sizeof name, "tests/%06d/rows", testId);
    if (!h5::exists(d.handle.get(), "tests") || !h5::exists(d.handle.get(), name))
        return {};
    h5::Handle g = h5::openGroup(d.handle.get(), name, d.file);
    std::vector<int> steps;
    for (const std::string& child : h5::children(g.get(), d.file, name)) {
        if (child.rfind("step_", 0) != 0)
            continue;
        int step = 0;
        const char* end = child.data() + child.size();
        const auto [ptr, ec] = std::from_chars(child.data() + 5, end, step);
        if (ec != std::errc() || ptr != end || step < 0)
            throw FormatError(d.file + ": /" + name + "/" + child + ": expected step_<number>");
        steps.push_back(step);
    }
    std::sort(steps.begin(), steps.end());
    return steps;
}

std::vector<float> SessionReader::fullRows(int testId, int step, int64_t* rowLength) const
{
    const Impl& d = *m_impl;
    char name[64];
    std::snprintf(name, sizeof name, "tests/%06d/rows/step_%04d", testId, step);
    if (!h5::exists(d.handle.get(), "tests") || !h5::exists(d.handle.get(), name) ||
        !h5::exists(d.handle.get(), name))
        throw FormatError(d.file + ": test " + std::to_string(testId) + " has no stored full rows for step " +
                          std::to_string(step) + " (probe --store-rows chooses the tests)");
    const auto dims = h5::arrayDims(d.handle.get(), name, d.file);
    if (dims.size() != 3 || dims[0] != static_cast<hsize_t>(d.manifest.layers) ||
        dims[1] != static_cast<hsize_t>(d.manifest.heads))
        throw FormatError(d.file + ": /" + name + ": expected shape [" + std::to_string(d.manifest.layers) + ", " +
                          std::to_string(d.manifest.heads) + ", row length]");
    std::vector<float> out(h5::elementCount(dims));
    h5::readArray(d.handle.get(), name, H5T_NATIVE_FLOAT, out.data(), out.size(), d.file);
    if (rowLength)
        *rowLength = static_cast<int64_t>(dims[2]);
    return out;
}

std::vector<StoredStep> SessionReader::steps(int testId) const
{
    const Impl& d = *m_impl;
    char name[48];
    std::snprintf(name, sizeof name, "tests/%06d/stats", testId);
    if (!h5::exists(d.handle.get(), "tests") || !h5::exists(d.handle.get(), name))
        return {};
    h5::Handle g = h5::openGroup(d.handle.get(), name, d.file);
    const auto dims = h5::arrayDims(g.get(), "topk_idx", d.file); // [S, L, H, K]
    if (dims.size() != 4 || dims[1] != static_cast<hsize_t>(d.manifest.layers) ||
        dims[2] != static_cast<hsize_t>(d.manifest.heads))
        throw FormatError(d.file + ": /" + name + "/topk_idx: expected shape [steps, " + std::to_string(d.manifest.layers) +
                          ", " + std::to_string(d.manifest.heads) + ", k]");
    const std::size_t S = dims[0], cells = dims[1] * dims[2], K = dims[3];
    std::vector<int32_t> idx(S * cells * K), tokens(S);
    std::vector<float> w(S * cells * K);
    std::vector<double> needle(S * cells), spanTop(S * cells);
    std::vector<int64_t> rowLen(S);
    // Every companion dataset must hold exactly the values topk_idx's shape implies.
    h5::readArray(g.get(), "topk_idx", H5T_NATIVE_INT32, idx.data(), idx.size(), d.file);
    h5::readArray(g.get(), "topk_w", H5T_NATIVE_FLOAT, w.data(), w.size(), d.file);
    h5::readArray(g.get(), "needle_mass", H5T_NATIVE_DOUBLE, needle.data(), needle.size(), d.file);
    h5::readArray(g.get(), "span_topk_mass", H5T_NATIVE_DOUBLE, spanTop.data(), spanTop.size(), d.file);
    h5::readArray(g.get(), "row_len", H5T_NATIVE_INT64, rowLen.data(), rowLen.size(), d.file);
    h5::readArray(g.get(), "token", H5T_NATIVE_INT32, tokens.data(), tokens.size(), d.file);
    const std::string where = "/" + std::string(name) + "/";
    h5::verifyHash(g.get(), "topk_idx", idx.data(), idx.size() * sizeof(int32_t), d.file, where + "topk_idx", d.hashed);
    h5::verifyHash(g.get(), "topk_w", w.data(), w.size() * sizeof(float), d.file, where + "topk_w", d.hashed);
    h5::verifyHash(g.get(), "needle_mass", needle.data(), needle.size() * sizeof(double), d.file, where + "needle_mass", d.hashed);
    h5::verifyHash(g.get(), "span_topk_mass", spanTop.data(), spanTop.size() * sizeof(double), d.file, where + "span_topk_mass", d.hashed);
    h5::verifyHash(g.get(), "row_len", rowLen.data(), rowLen.size() * sizeof(int64_t), d.file, where + "row_len", d.hashed);
    h5::verifyHash(g.get(), "token", tokens.data(), tokens.size() * sizeof(int32_t), d.file, where + "token", d.hashed);
    std::vector<StoredStep> steps(S);
    for (std::size_t s = 0; s < S; ++s) {
        steps[s].token = tokens[s];
        steps[s].rows.resize(cells);
        for (std::size_t c = 0; c < cells; ++c) {
            RowStats& r = steps[s].rows[c];
            for (std::size_t k = 0; k < K; ++k) {
                const int32_t i = idx[(s * cells + c) * K + k];
                if (i < 0)
                    break;
                r.topIndices.push_back(i);
                r.topWeights.push_back(w[(s * cells + c) * K + k]);
            }
            r.needleMass = needle[s * cells + c];
            r.spanTopMass = spanTop[s * cells + c];
            r.rowLength = rowLen[s];
        }
    }
    if (h5::exists(g.get(), "write") && h5::exists(g.get(), "write_needle")) {
        std::vector<double> write(S * cells), writeNeedle(S * cells);
        h5::readArray(g.get(), "write", H5T_NATIVE_DOUBLE, write.data(), write.size(), d.file);
        h5::readArray(g.get(), "write_needle", H5T_NATIVE_DOUBLE, writeNeedle.data(), writeNeedle.size(), d.file);
        for (std::size_t s = 0; s < S; ++s) {
            steps[s].write.assign(write.begin() + static_cast<std::ptrdiff_t>(s * cells),
                                  write.begin() + static_cast<std::ptrdiff_t>((s + 1) * cells));
            steps[s].writeNeedle.assign(writeNeedle.begin() + static_cast<std::ptrdiff_t>(s * cells),
                                        writeNeedle.begin() + static_cast<std::ptrdiff_t>((s + 1) * cells));
        }
    }
    return steps;
}

SessionAggregate SessionReader::aggregate(const SessionQuery& q) const
{
    const Impl& d = *m_impl;
    std::vector<TestHeadScores> chosen;
    // aggregateTests takes a span of bool, which std::vector<bool> cannot provide.
    const auto accepted = std::make_unique<bool[]>(d.tests.size() + 1);
    std::size_t count = 0;
    SessionAggregate out;
    for (const SessionTest& t : d.tests) {
        if (t.status != "ok" || t.scores.values[0].empty())
            continue;
        if (!q.lengths.empty() && std::find(q.lengths.begin(), q.lengths.end(), t.length) == q.lengths.end())
            continue;
        if (!q.depths.empty() && std::none_of(q.depths.begin(), q.depths.end(), [&](double x) { return std::abs(x - t.depth) < 1e-6; }))
            continue;
        ++out.testsConsidered;
        const double gateValue = q.gate == Gate::Rouge1 ? t.rouge1Recall : t.qaF1;
        chosen.push_back(t.scores);
        accepted[count++] = q.gate == Gate::None || gateValue > q.threshold;
    }
    AggregatedScores a = aggregateTests(chosen, q.metric, std::span<const bool>(accepted.get(), count));
    if (a.matrix.values.empty()) {
        a.matrix.layers = d.manifest.layers;
        a.matrix.heads = d.manifest.heads;
        a.matrix.values.assign(static_cast<std::size_t>(d.manifest.layers * d.manifest.heads), 0.0);
    }
    out.mean = std::move(a.matrix);
    out.mean.metric = std::string(headMetricName(q.metric));
    out.mean.provenance = "session:" + d.file;
    out.lists = std::move(a.lists);
    out.testsAccepted = a.testsUsed;
    out.ci95.assign(out.mean.values.size(), 0.0);
    for (std::size_t c = 0; c < out.lists.size() && c < out.ci95.size(); ++c)
        out.ci95[c] = ci95HalfWidth(out.lists[c]);
    return out;
}

std::vector<HeadMetric> SessionReader::heldMetrics() const
{
    const Impl& d = *m_impl;
    std::vector<HeadMetric> held;
    if (!d.manifest.metrics.empty()) {
        for (const std::string& name : d.manifest.metrics)
            held.push_back(parseHeadMetric(name));
        return held;
    }
    if (d.manifest.mode != "imported") {
        // Probe sessions from before the metric list: everything they computed, which includes
        // the write-aware scores only when their files hold them.
        for (HeadMetric m : allHeadMetrics())
            if (d.writeScores || !isWriteMetric(m))
                held.push_back(m);
        return held;
    }
    // Imported before the manifest listed its metric: the metric is the one with values.
    for (HeadMetric m : allHeadMetrics())
        if (std::any_of(d.tests.begin(), d.tests.end(), [&](const SessionTest& t) {
                const auto& v = t.scores.of(m);
                return std::any_of(v.begin(), v.end(), [](double x) { return x != 0.0; });
            }))
            held.push_back(m);
    if (held.empty())
        held.push_back(HeadMetric::Retrieval); // import-scores' default metric
    return held;
}

HeadMetric SessionReader::defaultMetric() const
{
    const std::vector<HeadMetric> held = heldMetrics();
    return std::find(held.begin(), held.end(), HeadMetric::Inf) != held.end() ? HeadMetric::Inf : held.front();
}

namespace {

std::string joinInts(const std::vector<int>& v)
{
    std::string s;
    for (int x : v)
        s += (s.empty() ? "" : ", ") + std::to_string(x);
    return s;
}

std::string joinDepths(const std::vector<double>& v)
{
    std::string s;
    char buf[32];
    for (double x : v) {
        std::snprintf(buf, sizeof buf, "%g", x);
        s += (s.empty() ? "" : ", ") + std::string(buf);
    }
    return s;
}

std::string gateName(Gate g)
{
    return g == Gate::Rouge1 ? "rouge1" : g == Gate::QaF1 ? "qaf1" : "none";
}

} // namespace

SessionAggregate SessionReader::aggregateStrict(const SessionQuery& q) const
{
    const Impl& d = *m_impl;
    const std::vector<HeadMetric> held = heldMetrics();
    if (std::find(held.begin(), held.end(), q.metric) == held.end()) {
        std::string names;
        for (HeadMetric m : held)
            names += (names.empty() ? "" : ", ") + std::string(headMetricName(m));
        throw UsageError(d.file + ": the session holds metric" + (held.size() == 1 ? " " : "s ") + names +
                         (d.manifest.mode == "imported" ? " (imported from a score file)" : "") + "; --metric " +
                         std::string(headMetricName(q.metric)) + " is not among them");
    }
    if (q.gate != Gate::None && !std::isfinite(q.threshold))
        throw UsageError("--threshold: expected a finite number, got " + std::to_string(q.threshold));
    std::vector<int> lengths;
    std::vector<double> depths;
    int usable = 0;
    for (const SessionTest& t : d.tests) {
        if (t.status != "ok" || t.scores.values[0].empty())
            continue;
        ++usable;
        if (std::find(lengths.begin(), lengths.end(), t.length) == lengths.end())
            lengths.push_back(t.length);
        if (std::none_of(depths.begin(), depths.end(), [&](double x) { return std::abs(x - t.depth) < 1e-6; }))
            depths.push_back(t.depth);
    }
    std::sort(lengths.begin(), lengths.end());
    std::sort(depths.begin(), depths.end());
    if (usable == 0)
        throw UsageError(d.file + ": the session has no scored test (" + std::to_string(d.tests.size()) +
                         " complete tests, none with status ok and scores)");
    auto anyLength = [&] {
        return q.lengths.empty() || std::any_of(q.lengths.begin(), q.lengths.end(), [&](int l) {
                   return std::find(lengths.begin(), lengths.end(), l) != lengths.end();
               });
    };
    auto anyDepth = [&] {
        return q.depths.empty() || std::any_of(q.depths.begin(), q.depths.end(), [&](double x) {
                   return std::any_of(depths.begin(), depths.end(), [&](double y) { return std::abs(x - y) < 1e-6; });
               });
    };
    if (!anyLength())
        throw UsageError(d.file + ": no test matches --lengths " + joinInts(q.lengths) + " (the session's tests have lengths " +
                         joinInts(lengths) + ")");
    if (!anyDepth())
        throw UsageError(d.file + ": no test matches --depths " + joinDepths(q.depths) + " (the session's tests have depths " +
                         joinDepths(depths) + ")");
    SessionAggregate a = aggregate(q);
    if (a.testsConsidered == 0)
        throw UsageError(d.file + ": no test has both a length in --lengths " + joinInts(q.lengths) + " and a depth in --depths " +
                         joinDepths(q.depths));
    if (a.testsAccepted == 0) {
        double best = -std::numeric_limits<double>::infinity();
        for (const SessionTest& t : d.tests)
            if (t.status == "ok")
                best = std::max(best, q.gate == Gate::Rouge1 ? t.rouge1Recall : t.qaF1);
        char buf[160];
        std::snprintf(buf, sizeof buf, "no test passes gate %s > %g (%d considered; the highest %s is %g); lower --threshold or use --gate none",
                      gateName(q.gate).c_str(), q.threshold, a.testsConsidered, gateName(q.gate).c_str(), best);
        throw UsageError(d.file + ": " + buf);
    }
    return a;
}

} // namespace headscope
