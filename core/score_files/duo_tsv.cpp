// DuoAttention / RLKV attention patterns (docs/score_formats.md §duo): full_attention_heads.tsv
// is np.savetxt(alpha, delimiter="\t") — one line per layer, one "%.18e" value per KV head — and
// is read back by np.loadtxt(…, delimiter="\t") then clipped to [0, 1]; config.json beside it
// gives sink_size and recent_size (DuoAttention's load_attn_pattern, kvpress's DuoAttentionPress).
#include "headscope/core/errors.h"
#include "score_format_impls.h"
#include "score_shape.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace headscope::detail {

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// One field as Python's float() reads it (np.loadtxt's converter), finite values only.
bool parseField(std::string_view field, double* out)
{
    if (!field.empty() && field.front() == '+')
        field.remove_prefix(1);
    if (field.empty())
        return false;
    const auto res = std::from_chars(field.data(), field.data() + field.size(), *out);
    return res.ec == std::errc() && res.ptr == field.data() + field.size() && std::isfinite(*out);
}

} // namespace

bool sniffDuo(const std::filesystem::path& file, std::string_view bytes)
{
    if (file.extension() == ".tsv")
        return true;
    // Content: the first data line is tab-separated numbers.
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::size_t eol = std::min(bytes.find('\n', pos), bytes.size());
        const std::string_view line = trim(bytes.substr(pos, eol - pos));
        pos = eol + 1;
        if (line.empty() || line.front() == '#')
            continue;
        double v = 0.0;
        return line.find('\t') != std::string_view::npos && parseField(trim(line.substr(0, line.find('\t'))), &v);
    }
    return false;
}

ImportedScores parseDuoTsv(std::string_view bytes, const std::string& source, const ScoreFileImportOptions& options)
{
    std::vector<std::vector<double>> rows;
    std::size_t pos = 0;
    int lineNo = 0;
    while (pos < bytes.size()) {
        const std::size_t eol = std::min(bytes.find('\n', pos), bytes.size());
        std::string_view line = bytes.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (const auto hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash); // np.loadtxt's comments="#"
        line = trim(line);
        if (line.empty())
            continue;
        std::vector<double> row;
        std::size_t start = 0;
        while (true) {
            const std::size_t tab = line.find('\t', start);
            const std::string_view field = trim(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
            double v = 0.0;
            if (!parseField(field, &v))
                throw FormatError(withFile("line " + std::to_string(lineNo) + " value " + std::to_string(row.size() + 1) +
                                               ": expected a finite number, found '" + std::string(field.substr(0, 40)) + "'",
                                           source));
            row.push_back(v);
            if (tab == std::string_view::npos)
                break;
            start = tab + 1;
        }
        if (!rows.empty() && row.size() != rows.front().size())
            throw FormatError(withFile("line " + std::to_string(lineNo) + " has " + std::to_string(row.size()) +
                                           " tab-separated values, the first row has " +
                                           std::to_string(rows.front().size()) + ": expected one value per KV head on every line",
                                       source));
        rows.push_back(std::move(row));
    }
    if (rows.empty())
        throw FormatError(withFile("DuoAttention pattern holds no values: expected one line per layer", source));

    FileShape file;
    file.layers = static_cast<int>(rows.size());
    file.heads = static_cast<int>(rows.front().size());
    file.formatGranularity = HeadGranularity::KvHead;
    const CheckedShape shape = checkFileShape(file, options, source, "DuoAttention pattern");

    ImportedScores r = importedScoresFor(shape, "duo");
    r.matrix.values.clear(); // filled row by row below
    int clipped = 0;
    std::string firstClipped;
    for (std::size_t l = 0; l < rows.size(); ++l)
        for (std::size_t h = 0; h < rows[l].size(); ++h) {
            const double v = rows[l][h];
            if (v < 0.0 || v > 1.0) {
                if (clipped++ == 0)
                    firstClipped = "layer " + std::to_string(l) + " head " + std::to_string(h) + " = " + std::to_string(v);
            }
            r.matrix.values.push_back(std::clamp(v, 0.0, 1.0));
        }
    if (clipped > 0)
        r.warnings.push_back(std::to_string(clipped) + " values outside [0, 1] (first: " + firstClipped +
                             ") clipped to [0, 1], as DuoAttention's loader does");
    fillSingleValueLists(r);
    return r;
}

std::vector<ScoreFileOutput> writeDuo(const ScoreMatrix& matrix, const ScoreExportOptions& options)
{
    const ScoreMatrix kv = kvHeadMatrixFor(matrix, options, "duo");
    const std::vector<double> gates = normalizeScores(kv.values, options.normalization);
    std::string tsv;
    char buf[64];
    for (int l = 0; l < kv.layers; ++l) {
        for (int h = 0; h < kv.heads; ++h) {
            std::snprintf(buf, sizeof buf, "%.18e", gates[static_cast<std::size_t>(l) * static_cast<std::size_t>(kv.heads) +
                                                          static_cast<std::size_t>(h)]);
            tsv += (h ? "\t" : "") + std::string(buf); // np.savetxt's default fmt and delimiter
        }
        tsv += "\n";
    }
    nlohmann::ordered_json config;
    config["sink_size"] = options.sinkSize;
    config["recent_size"] = options.recentSize;
    nlohmann::ordered_json hs;
    hs["metric"] = matrix.metric;
    hs["normalization"] = describeScoreNormalization(options.normalization);
    hs["group_aggregation"] = matrix.granularity == HeadGranularity::KvHead ? "none (scores were per KV head)"
                                                                            : groupAggregationName(options.groupAggregation);
    hs["layers"] = kv.layers;
    hs["kv_heads"] = kv.heads;
    hs["provenance"] = options.provenance.empty() ? matrix.provenance : options.provenance;
    config["headscope_export"] = hs;
    return {{"full_attention_heads.tsv", tsv}, {"config.json", config.dump(2) + "\n"}};
}

} // namespace headscope::detail
