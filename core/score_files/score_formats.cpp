// The score-format registry, the normalisations and head-axis conversions the per-format writers
// share, and the export file writer.
#include "headscope/core/score_formats.h"

#include "headscope/core/errors.h"
#include "score_format_impls.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <unistd.h>

namespace headscope {

namespace {

std::vector<ScoreFileOutput> writeHeadKvFamily(const ScoreMatrix& m, const ScoreExportOptions& o)
{
    // Every consumer of this layout reshapes the means to (layers, num_attention_heads).
    if (m.granularity == HeadGranularity::KvHead)
        throw UsageError("the {\"L-H\": [...]} formats hold one entry per query head (their loaders reshape to "
                         "num_attention_heads); these scores are per KV head: import them with --model so they are "
                         "expanded to query heads");
    return {{"", exportHeadKvJson(m, o.lists)}};
}

std::vector<ScoreFileOutput> writeDiliLazyKv(const ScoreMatrix& m, const ScoreExportOptions& o)
{
    if (m.granularity == HeadGranularity::KvHead)
        throw UsageError("DiliLazyKV files hold one entry per query head; these scores are per KV head: import them "
                         "with --model so they are expanded to query heads");
    return {{"", exportDiliLazyKvJson(m, o.lists)}};
}

std::vector<ScoreFileOutput> writeCsv(const ScoreMatrix& m, const ScoreExportOptions&)
{
    return {{"", exportScoreCsv(m)}};
}

bool sniffAnyJson(const std::filesystem::path&, std::string_view)
{
    return true;
}

// Registry order is detection order: the specific layouts first, the "L-H" JSON family last.
const ScoreFormat kFormats[] = {
    {"duo", "DuoAttention / RLKV full_attention_heads.tsv + config.json (values in [0, 1]; kvpress DuoAttentionPress)",
     "KV heads", &detail::parseDuoTsv, &detail::writeDuo, &detail::sniffDuo, true},
    {"qrhead", "QRHead YAML head set, attn_head_set: \"L-H,…\" (top-k heads, best first)", "query heads",
     &detail::parseQrHeadYaml, &detail::writeQrHeadYaml, &detail::sniffQrHead, false},
    {"compresskv", "CompressKV *_head_idx.json, {\"layer\": [heads, best first]}", "query heads", &detail::parseCompressKv,
     nullptr, &detail::sniffCompressKv, false},
    {"lukv", "kvpress LUKVPress budget curves, .npy float64 [99, layers, KV heads] of prune fractions", "KV heads", nullptr,
     &detail::writeLuKvNpy, nullptr, false},
    {"headkv", "HeadKV one-line JSON {\"L-H\": [per-test values]}", "query heads", &parseScoreFile, &writeHeadKvFamily,
     nullptr, false},
    {"retrieval_head", "Retrieval_Head one-line JSON {\"L-H\": [per-test values]} (same layout as headkv)", "query heads",
     &parseScoreFile, &writeHeadKvFamily, nullptr, false},
    {"sparsemm", "SparseMM visual-head JSON {\"L-H\": [per-test values]} (same layout as headkv)", "query heads",
     &parseScoreFile, &writeHeadKvFamily, nullptr, false},
    {"dililazykv", "DiliLazyKV JSON, pretty {\"L-H\": [..]} or nested sections", "query heads", &parseScoreFile,
     &writeDiliLazyKv, &sniffAnyJson, false},
    {"csv", "layer,head,value rows", "query or KV heads", nullptr, &writeCsv, nullptr, false},
};

} // namespace

std::span<const ScoreFormat> scoreFormats()
{
    return kFormats;
}

std::string scoreFormatNames(bool importable)
{
    std::string s;
    for (const ScoreFormat& f : kFormats)
        if (importable ? f.parse != nullptr : f.write != nullptr)
            s += (s.empty() ? "" : ", ") + std::string(f.name);
    return s;
}

const ScoreFormat& scoreFormatForImport(std::string_view name)
{
    for (const ScoreFormat& f : kFormats)
        if (f.name == name && f.parse)
            return f;
    throw UsageError("score format '" + std::string(name) + "' cannot be imported; formats: " + scoreFormatNames(true));
}

const ScoreFormat& scoreFormatForExport(std::string_view name)
{
    for (const ScoreFormat& f : kFormats)
        if (f.name == name && f.write)
            return f;
    throw UsageError("score format '" + std::string(name) + "' cannot be exported; formats: " + scoreFormatNames(false));
}

const ScoreFormat& detectScoreFormat(const std::filesystem::path& file, std::string_view bytes)
{
    for (const ScoreFormat& f : kFormats)
        if (f.parse && f.sniff && f.sniff(file, bytes))
            return f;
    return scoreFormatForImport("headkv"); // unreachable: the JSON family sniffs everything
}

ScoreNormalizationSpec parseScoreNormalization(std::string_view text)
{
    ScoreNormalizationSpec s;
    if (text == "rank")
        return s;
    if (text == "minmax") {
        s.kind = ScoreNormalization::MinMax;
        return s;
    }
    if (text.substr(0, 4) == "top:") {
        const std::string f(text.substr(4));
        char* end = nullptr;
        const double v = std::strtod(f.c_str(), &end);
        if (!f.empty() && end == f.c_str() + f.size() && std::isfinite(v) && v > 0.0 && v <= 1.0) {
            s.kind = ScoreNormalization::TopFraction;
            s.fraction = v;
            return s;
        }
    }
    throw UsageError("--normalize: expected rank, minmax or top:F with 0 < F <= 1, got '" + std::string(text) + "'");
}

std::string describeScoreNormalization(const ScoreNormalizationSpec& s)
{
    switch (s.kind) {
    case ScoreNormalization::Rank:
        return "rank";
    case ScoreNormalization::MinMax:
        return "minmax";
    case ScoreNormalization::TopFraction: {
        char buf[48];
        std::snprintf(buf, sizeof buf, "top:%g", s.fraction);
        return buf;
    }
    }
    return "rank";
}

std::vector<double> normalizeScores(std::span<const double> values, const ScoreNormalizationSpec& spec)
{
    const std::size_t n = values.size();
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(values[i]))
            throw UsageError("cannot normalise scores: value " + std::to_string(i) + " is not finite");
    std::vector<double> out(n, 0.0);
    if (n == 0)
        return out;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    switch (spec.kind) {
    case ScoreNormalization::Rank: {
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
        if (n == 1) {
            out[0] = 1.0;
            break;
        }
        for (std::size_t i = 0; i < n;) {
            std::size_t j = i;
            while (j + 1 < n && values[order[j + 1]] == values[order[i]])
                ++j;
            const double rank = 0.5 * static_cast<double>(i + j); // mean rank of the tie group
            for (std::size_t k = i; k <= j; ++k)
                out[order[k]] = rank / static_cast<double>(n - 1);
            i = j + 1;
        }
        break;
    }
    case ScoreNormalization::MinMax: {
        const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        if (*hi == *lo)
            throw UsageError("min-max normalisation: all " + std::to_string(n) + " values equal " + std::to_string(*lo) +
                             "; use --normalize rank or top:F");
        for (std::size_t i = 0; i < n; ++i)
            out[i] = (values[i] - *lo) / (*hi - *lo);
        break;
    }
    case ScoreNormalization::TopFraction: {
        if (!(spec.fraction > 0.0 && spec.fraction <= 1.0))
            throw UsageError("top-fraction normalisation: fraction must be in (0, 1]");
        const auto keep = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(spec.fraction * static_cast<double>(n))));
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
        for (std::size_t k = 0; k < keep && k < n; ++k)
            out[order[k]] = 1.0;
        break;
    }
    }
    return out;
}

ScoreMatrix toKvHeadScores(const ScoreMatrix& m, int kvHeads, GroupAggregation aggregation)
{
    if (kvHeads <= 0)
        throw UsageError("KV-head count must be positive, got " + std::to_string(kvHeads));
    if (m.granularity == HeadGranularity::KvHead) {
        if (m.heads != kvHeads)
            throw UsageError("scores are per KV head with " + std::to_string(m.heads) + " heads, not " +
                             std::to_string(kvHeads));
        return m;
    }
    if (m.heads % kvHeads != 0)
        throw UsageError("cannot group " + std::to_string(m.heads) + " query heads into " + std::to_string(kvHeads) +
                         " KV heads: not a multiple");
    const int group = m.heads / kvHeads;
    ScoreMatrix out = m;
    out.heads = kvHeads;
    out.granularity = HeadGranularity::KvHead;
    out.values.assign(static_cast<std::size_t>(m.layers) * static_cast<std::size_t>(kvHeads), 0.0);
    for (int l = 0; l < m.layers; ++l)
        for (int k = 0; k < kvHeads; ++k) {
            const double first = m.at(l, k * group);
            double sum = 0.0, best = first;
            bool allEqual = true;
            for (int g = 0; g < group; ++g) {
                const double v = m.at(l, k * group + g);
                sum += v;
                best = std::max(best, v);
                allEqual = allEqual && v == first;
            }
            double v = sum;
            if (aggregation == GroupAggregation::Max)
                v = best;
            else if (aggregation == GroupAggregation::Mean)
                v = allEqual ? first : sum / group; // exact for an expanded KV-head matrix
            out.at(l, k) = v;
        }
    return out;
}

ScoreMatrix toQueryHeadScores(const ScoreMatrix& m, int queryHeads)
{
    if (m.granularity == HeadGranularity::QueryHead) {
        if (m.heads != queryHeads)
            throw UsageError("scores are per query head with " + std::to_string(m.heads) + " heads, not " +
                             std::to_string(queryHeads));
        return m;
    }
    if (m.heads <= 0 || queryHeads % m.heads != 0)
        throw UsageError("cannot expand " + std::to_string(m.heads) + " KV heads to " + std::to_string(queryHeads) +
                         " query heads: not a multiple");
    const int group = queryHeads / m.heads;
    ScoreMatrix out = m;
    out.heads = queryHeads;
    out.granularity = HeadGranularity::QueryHead;
    out.values.assign(static_cast<std::size_t>(m.layers) * static_cast<std::size_t>(queryHeads), 0.0);
    for (int l = 0; l < m.layers; ++l)
        for (int h = 0; h < queryHeads; ++h)
            out.at(l, h) = m.at(l, h / group);
    return out;
}

namespace detail {

ScoreMatrix kvHeadMatrixFor(const ScoreMatrix& matrix, const ScoreExportOptions& options, std::string_view format)
{
    if (matrix.granularity == HeadGranularity::KvHead) {
        if (options.kvHeads > 0 && options.kvHeads != matrix.heads)
            throw UsageError(std::string(format) + ": the scores are per KV head with " + std::to_string(matrix.heads) +
                             " heads, the model has " + std::to_string(options.kvHeads) + " KV heads");
        return matrix;
    }
    if (options.kvHeads <= 0)
        throw UsageError(std::string(format) + " files hold one value per KV head; give the model's KV-head count "
                                               "(--model DIR, --config config.json or --kv-heads N) to group the " +
                         std::to_string(matrix.heads) + " query heads");
    return toKvHeadScores(matrix, options.kvHeads, options.groupAggregation);
}

void fillSingleValueLists(ImportedScores& r)
{
    r.lists.clear();
    r.lists.reserve(r.matrix.values.size());
    for (double v : r.matrix.values)
        r.lists.push_back({v});
    r.minListLength = r.maxListLength = 1;
    r.canonicalOrder = true;
}

} // namespace detail

namespace {

void writeAtomically(const std::filesystem::path& file, const std::string& bytes)
{
    const std::filesystem::path tmp = file.string() + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw LoadError(withFile("cannot open file for writing", tmp.string()));
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            throw LoadError(withFile("write failed", tmp.string()));
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw LoadError(withFile("cannot rename the written file into place", file.string()));
    }
}

} // namespace

void writeScoreOutputs(const std::filesystem::path& out, const std::vector<ScoreFileOutput>& files, bool directory)
{
    if (!directory) {
        if (files.size() != 1 || !files.front().name.empty())
            throw UsageError("score export: expected one file for " + out.string());
        writeAtomically(out, files.front().bytes);
        return;
    }
    std::error_code ec;
    if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
        throw UsageError(out.string() + ": this format writes a directory (" + files.front().name +
                         ", …) and a file of that name exists");
    std::filesystem::create_directories(out, ec);
    if (ec)
        throw LoadError(withFile("cannot create the output directory: " + ec.message(), out.string()));
    for (const ScoreFileOutput& f : files)
        writeAtomically(out / f.name, f.bytes);
}

} // namespace headscope
