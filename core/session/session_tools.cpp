#include "headscope/core/session_tools.h"
#include "headscope/core/shard.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"
#include "headscope/core/score_formats.h"
#include "session_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <unistd.h>

namespace headscope {

namespace {

// DiliLazyKV's nested sections and the HeadScope metric each one is.
const std::pair<const char*, HeadMetric> kSectionMetrics[] = {
    {"average_infscores_weighted", HeadMetric::Inf},
    {"average_precisions_weighted", HeadMetric::Dili},
    {"average_recalls_weighted", HeadMetric::Lazy},
};

std::optional<HeadMetric> metricOfSection(const std::string& section)
{
    for (const auto& [name, metric] : kSectionMetrics)
        if (section == name)
            return metric;
    return std::nullopt;
}

std::string sectionOfMetric(HeadMetric metric)
{
    for (const auto& [name, m] : kSectionMetrics)
        if (m == metric)
            return name;
    return {};
}

} // namespace

ImportedScores importScoresAsSession(const std::filesystem::path& scoreFile, const std::filesystem::path& out,
                                     const ScoreImportRequest& request, const ScoreFileImportOptions& given)
{
    ScoreFileImportOptions options = given;
    ImportedScores imported = importScoreFile(scoreFile, options);
    HeadMetric metric = request.metric.value_or(HeadMetric::Retrieval);
    if (!imported.sections.empty()) {
        // A nested file says which metric each section is: the metric asked for picks its
        // section, and a metric the file does not hold is refused.
        std::string held;
        for (const std::string& s : imported.sections)
            held += (held.empty() ? "" : ", ") + s +
                    (metricOfSection(s) ? " (" + std::string(headMetricName(*metricOfSection(s))) + ")" : "");
        if (request.metric) {
            const std::string wanted = sectionOfMetric(*request.metric);
            const bool present = std::find(imported.sections.begin(), imported.sections.end(), wanted) != imported.sections.end();
            if (!options.section.empty()) {
                const auto chosen = metricOfSection(options.section);
                if (chosen && *chosen != *request.metric)
                    throw UsageError(scoreFile.string() + ": section " + options.section + " holds metric " +
                                     std::string(headMetricName(*chosen)) + ", not --metric " +
                                     std::string(headMetricName(*request.metric)));
            } else if (!present) {
                throw UsageError(scoreFile.string() + ": the file holds sections " + held + "; --metric " +
                                 std::string(headMetricName(*request.metric)) + " is not among them");
            } else if (wanted != imported.section) {
                options.section = wanted;
                imported = importScoreFile(scoreFile, options);
            }
        } else if (const auto m = metricOfSection(imported.section)) {
            metric = *m;
        }
    }

    ScoreMatrix matrix = imported.matrix;
    std::vector<std::vector<double>> lists = imported.lists;
    SessionManifest m;
    m.headscopeVersion = HEADSCOPE_VERSION;
    m.configJson = request.configJson;
    m.kvHeads = options.kvHeads.value_or(matrix.heads);
    if (matrix.granularity == HeadGranularity::KvHead) {
        if (options.queryHeads && *options.queryHeads != matrix.heads) {
            const int kv = matrix.heads, group = *options.queryHeads / kv;
            matrix = toQueryHeadScores(matrix, *options.queryHeads);
            std::vector<std::vector<double>> expanded;
            for (int l = 0; l < matrix.layers; ++l)
                for (int h = 0; h < matrix.heads; ++h)
                    expanded.push_back(lists[static_cast<std::size_t>(l * kv + h / group)]);
            lists = std::move(expanded);
            m.kvHeads = kv;
            imported.notes.push_back("per-KV-head values expanded to " + std::to_string(matrix.heads) +
                                     " query heads in the session (each of a KV head's " + std::to_string(group) +
                                     " query heads carries its value)");
        } else {
            m.headGranularity = "kv";
            m.kvHeads = matrix.heads;
            imported.notes.push_back("the session keeps the file's " + std::to_string(matrix.heads) +
                                     " KV heads (give --model to expand them to query heads)");
        }
    }
    const int layers = matrix.layers, heads = matrix.heads;
    m.layers = layers;
    m.heads = heads;
    m.mode = "imported";
    m.metrics = {std::string(headMetricName(metric))};
    m.importedFrom = scoreFile.string() + " sha256=" + imported.sha256 + " format=" + imported.format +
                     (imported.section.empty() ? "" : " section=" + imported.section) +
                     (imported.valuesAreRanks ? " values=ranks" : "");
    imported.notes.push_back("session metric: " + std::string(headMetricName(metric)));
    auto writer = SessionWriter::create(out, m);
    const int tests = std::max(1, imported.maxListLength);
    const std::size_t cells = static_cast<std::size_t>(layers * heads);
    for (int j = 0; j < tests; ++j) {
        SessionTest t;
        t.id = j;
        t.status = "ok";
        t.scores.layers = layers;
        t.scores.heads = heads;
        t.scores.scoredRows = 1;
        for (auto& v : t.scores.values)
            v.assign(cells, 0.0);
        auto& values = t.scores.values[static_cast<std::size_t>(metric)];
        for (std::size_t c = 0; c < cells; ++c) {
            const auto& list = lists[c];
            // A head with fewer entries repeats its mean so the per-head mean is preserved.
            values[c] = static_cast<std::size_t>(j) < list.size() ? list[static_cast<std::size_t>(j)] : matrix.values[c];
        }
        writer->appendTest(t, {});
    }
    return imported;
}

ImportedScores importScoresAsSession(const std::filesystem::path& scoreFile, const std::filesystem::path& out,
                                     HeadMetric metric, const ScoreFileImportOptions& options)
{
    ScoreImportRequest request;
    request.metric = metric;
    return importScoresAsSession(scoreFile, out, request, options);
}

namespace {

// The manifest as JSON without the keys shards may differ in.
nlohmann::json gridManifest(const SessionManifest& m)
{
    nlohmann::json j = json_input::parse(session_json::manifestToJson(m), "session manifest");
    for (const char* key : {"shard_index", "created", "updated"})
        j.erase(key);
    return j;
}

std::string shortValue(const nlohmann::json& v)
{
    std::string s = v.dump();
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

std::string testName(int length, double depth, int needle)
{
    char buf[96];
    std::snprintf(buf, sizeof buf, "length %d depth %g needle %d", length, depth, needle);
    return buf;
}

// IEEE binary32 → binary16 bits, round to nearest even (stored rows are f16 values, so exact).
uint16_t toHalf(float f)
{
    const auto x = std::bit_cast<uint32_t>(f);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const int exp = static_cast<int>((x >> 23) & 0xff);
    uint32_t mant = x & 0x7fffffu;
    if (exp == 0xff)
        return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));
    int e = exp - 127 + 15;
    if (e >= 0x1f)
        return static_cast<uint16_t>(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10)
            return static_cast<uint16_t>(sign);
        mant |= 0x800000u;
        const int shift = 14 - e;
        uint32_t half = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1u)))
            ++half;
        return static_cast<uint16_t>(sign | half);
    }
    uint32_t half = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u)))
        ++half;
    return static_cast<uint16_t>(sign | half);
}

bool sameScores(const TestHeadScores& a, const TestHeadScores& b)
{
    for (int m = 0; m < kHeadMetricCount; ++m) {
        const auto& x = a.values[static_cast<std::size_t>(m)];
        const auto& y = b.values[static_cast<std::size_t>(m)];
        if (x.size() != y.size() || (!x.empty() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) != 0))
            return false;
    }
    return a.scoredRows == b.scoredRows;
}

bool sameTest(const SessionTest& a, const SessionTest& b)
{
    return a.length == b.length && a.depth == b.depth && a.needleIndex == b.needleIndex && a.spanStart == b.spanStart &&
           a.spanEnd == b.spanEnd && a.promptLength == b.promptLength && a.status == b.status && a.error == b.error &&
           a.generatedIds == b.generatedIds && a.text == b.text && a.rouge1Recall == b.rouge1Recall && a.qaF1 == b.qaF1 &&
           sameScores(a.scores, b.scores);
}

struct Placed {
    std::size_t input = 0;
    const SessionTest* test = nullptr;
};

} // namespace

MergeReport mergeSessions(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
                          const MergeOptions& options)
{
    if (inputs.empty())
        throw UsageError("merge: give the shard sessions to merge");
    std::vector<std::unique_ptr<SessionReader>> readers;
    for (const auto& p : inputs)
        readers.push_back(SessionReader::open(p));

    // One grid: every manifest equal apart from the shard index and timestamps.
    const SessionManifest& first = readers.front()->manifest();
    if (first.mode == "imported")
        throw UsageError("merge: " + inputs[0].string() + " was imported from a score file; merge joins probe shards");
    const nlohmann::json reference = gridManifest(first);
    for (std::size_t i = 1; i < readers.size(); ++i) {
        const nlohmann::json other = gridManifest(readers[i]->manifest());
        if (other == reference)
            continue;
        for (auto it = reference.begin(); it != reference.end(); ++it)
            if (!other.contains(it.key()) || other[it.key()] != it.value())
                throw UsageError("merge: " + inputs[i].string() + " is not a shard of the same grid as " + inputs[0].string() +
                                 ": manifest key \"" + it.key() + "\" differs (" + shortValue(other.value(it.key(), nlohmann::json())) +
                                 " vs " + shortValue(it.value()) + ")");
        throw UsageError("merge: " + inputs[i].string() + " and " + inputs[0].string() + " have different manifests");
    }

    MergeReport report;
    report.shardCount = std::max(1, first.shardCount);
    std::map<int, std::size_t> shardOwner;
    for (std::size_t i = 0; i < readers.size(); ++i) {
        const int s = readers[i]->manifest().shardIndex;
        if (const auto [it, fresh] = shardOwner.emplace(s, i); !fresh)
            throw UsageError("merge: shard " + std::to_string(s) + "/" + std::to_string(report.shardCount) + " is given twice (" +
                             inputs[it->second].string() + " and " + inputs[i].string() + ")");
    }
    for (int s = 0; s < report.shardCount; ++s)
        if (!shardOwner.count(s))
            report.missingShards.push_back(s);

    // The grid in the probe's order: lengths, then depths, then needles.
    int needles = 0;
    for (std::size_t pos = 0; pos < first.needlesJsonl.size();) {
        const std::size_t eol = std::min(first.needlesJsonl.find('\n', pos), first.needlesJsonl.size());
        if (first.needlesJsonl.find_first_not_of(" \t\r", pos) < eol)
            ++needles;
        pos = eol + 1;
    }
    const int L = static_cast<int>(first.lengths.size()), D = static_cast<int>(first.depths.size());
    report.gridTests = L * D * needles;
    std::vector<Placed> placed(static_cast<std::size_t>(report.gridTests));
    for (std::size_t i = 0; i < readers.size(); ++i) {
        const int shard = readers[i]->manifest().shardIndex;
        for (const SessionTest& t : readers[i]->tests()) {
            const auto li = std::find(first.lengths.begin(), first.lengths.end(), t.length) - first.lengths.begin();
            const auto di = std::find_if(first.depths.begin(), first.depths.end(),
                                         [&](double d) { return std::abs(d - t.depth) < 1e-9; }) -
                            first.depths.begin();
            if (li == L || di == D || t.needleIndex < 0 || t.needleIndex >= needles)
                throw UsageError("merge: " + inputs[i].string() + " holds a test off the manifest's grid (" +
                                 testName(t.length, t.depth, t.needleIndex) + ")");
            const int g = (static_cast<int>(li) * D + static_cast<int>(di)) * needles + t.needleIndex;
            if (!inShard(g, shard, report.shardCount))
                throw UsageError("merge: " + inputs[i].string() + " is shard " + std::to_string(shard) + "/" +
                                 std::to_string(report.shardCount) + " but holds " + testName(t.length, t.depth, t.needleIndex) +
                                 ", which belongs to shard " + std::to_string(shardOf(g, report.shardCount)));
            Placed& slot = placed[static_cast<std::size_t>(g)];
            if (slot.test)
                throw UsageError("merge: " + testName(t.length, t.depth, t.needleIndex) + " appears twice (" +
                                 inputs[slot.input].string() + " and " + inputs[i].string() + ")");
            slot = {i, &t};
        }
    }
    for (int li = 0; li < L; ++li)
        for (int di = 0; di < D; ++di)
            for (int n = 0; n < needles; ++n)
                if (!placed[static_cast<std::size_t>((li * D + di) * needles + n)].test)
                    report.missing.push_back(testName(first.lengths[static_cast<std::size_t>(li)],
                                                      first.depths[static_cast<std::size_t>(di)], n));
    report.tests = report.gridTests - static_cast<int>(report.missing.size());
    if (!report.missing.empty() && !options.allowMissing) {
        std::string shards;
        for (int s : report.missingShards)
            shards += (shards.empty() ? "" : ", ") + std::to_string(s) + "/" + std::to_string(report.shardCount);
        throw UsageError("merge: " + std::to_string(report.missing.size()) + " of " + std::to_string(report.gridTests) +
                         " grid tests are missing (first: " + report.missing.front() + ")" +
                         (shards.empty() ? "" : "; shards not given: " + shards) +
                         "; finish them with probe --shard i/n --resume, or merge with --allow-missing");
    }

    SessionManifest merged = first;
    merged.shardIndex = 0;
    merged.shardCount = 1;

    std::error_code ec;
    if (std::filesystem::exists(out, ec)) {
        // Idempotence: a re-run (a requeued merge job) that finds this very merge succeeds.
        bool same = false;
        try {
            const auto existing = SessionReader::open(out);
            same = gridManifest(existing->manifest()) == gridManifest(merged) &&
                   existing->tests().size() == static_cast<std::size_t>(report.tests);
            std::size_t k = 0;
            for (const Placed& p : placed) {
                if (!same || !p.test)
                    continue;
                const SessionTest& e = existing->tests()[k++];
                same = e.id == static_cast<int>(k - 1) && sameTest(e, *p.test);
            }
        } catch (const Error&) {
            same = false;
        }
        if (same) {
            report.upToDate = true;
            return report;
        }
        if (!options.replace)
            throw UsageError("merge: " + out.string() + " already exists and is not the merge of these shards; remove it, "
                             "choose another --out, or pass --force to replace it");
    }

    // Staged and renamed into place (output_file.h): a merge refused or failing half-way
    // leaves no output, and --force never replaces a file of another kind.
    OutputTarget target(out, OutputKind::Session, options.replace);
    {
        auto writer = SessionWriter::create(target.staging(), merged);
        int id = 0;
        for (const Placed& p : placed) {
            if (!p.test)
                continue;
            const SessionReader& r = *readers[p.input];
            SessionTest t = *p.test;
            const int oldId = t.id;
            t.id = id++;
            try {
                t.promptIds = r.promptIds(oldId);
            } catch (const FormatError&) {
                t.promptIds.clear(); // older sessions and error tests have none
            }
            std::vector<FullAttentionRows> rows;
            for (int step : r.fullRowSteps(oldId)) {
                FullAttentionRows fr;
                fr.step = step;
                const std::vector<float> f32 = r.fullRows(oldId, step, &fr.rowLength);
                fr.f16.reserve(f32.size());
                for (float v : f32)
                    fr.f16.push_back(toHalf(v));
                rows.push_back(std::move(fr));
            }
            writer->appendTest(t, r.steps(oldId), rows);
        }
    } // the writer flushes and closes before the rename
    target.commit();
    return report;
}

} // namespace headscope
