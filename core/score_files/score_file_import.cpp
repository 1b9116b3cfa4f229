// Score-file import of HeadKV and DiliLazyKV files (docs/algorithms.md decision (a)). Values are
// placed by the parsed "L-H" key; file order is only inspected to report whether it was canonical.
#include "headscope/core/score_file.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/score_formats.h"
#include "headscope/core/sha256.h"
#include "score_key.h"
#include "score_shape.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace headscope {

namespace detail {

std::optional<HeadKey> parseHeadKey(std::string_view key)
{
    const auto dash = key.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 >= key.size()) return std::nullopt;
    HeadKey out;
    const char* begin = key.data();
    const char* mid = begin + dash;
    const char* end = begin + key.size();
    for (const char* p = begin; p != end; ++p)
        if (p != mid && (*p < '0' || *p > '9')) return std::nullopt;
    if (std::from_chars(begin, mid, out.layer).ec != std::errc() || std::from_chars(mid + 1, end, out.head).ec != std::errc())
        return std::nullopt;
    return out;
}

} // namespace detail

namespace {

using Json = nlohmann::json;

constexpr std::string_view kPreferredSections[] = {
    "average_infscores_weighted", "average_recalls_weighted", "average_precisions_weighted"};

struct RawEntry {
    detail::HeadKey key;
    std::string text;
    std::vector<double> values;
};

std::string describe(const Json& v)
{
    std::string s = v.dump();
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::vector<double> toValues(const Json& v, const std::string& key, const std::string& source)
{
    std::vector<double> out;
    if (v.is_number()) {
        out.push_back(v.get<double>());
    } else if (v.is_array()) {
        for (const auto& e : v) {
            if (!e.is_number())
                throw FormatError(withFile("score key '" + key + "': expected a number or a list of numbers, found "
                                               + describe(v), source));
            out.push_back(e.get<double>());
        }
    } else {
        throw FormatError(withFile("score key '" + key + "': expected a number or a list of numbers, found "
                                       + describe(v), source));
    }
    return out;
}

} // namespace

ImportedScores parseScoreFile(std::string_view text, const std::string& source, const ScoreFileImportOptions& options)
{
    // Duplicate keys are invisible after parsing (the object keeps one), and so is key order:
    // the parser reports both.
    json_input::KeyOrder order;
    const Json root = json_input::parse(text, source, order);
    if (!order.firstDuplicate.empty())
        throw FormatError(withFile("duplicate score key '" + order.firstDuplicate + "': expected each key once", source));
    if (!root.is_object())
        throw FormatError(withFile("score file: expected a JSON object at top level, found " + json_input::kindName(root),
                                   source));

    ImportedScores result;
    const auto trimmed = text.substr(0, text.find_last_not_of(" \t\r\n") + 1);
    result.format = trimmed.find('\n') == std::string_view::npos ? "headkv" : "dililazykv";

    // Nested DiliLazyKV dicts: pick a section of "L-H" entries.
    const Json* entries = &root;
    const std::vector<std::string>* keys = &order.top; // entries' keys in file order
    for (const std::string& k : order.top)
        if (root.at(k).is_object()) result.sections.push_back(k);
    if (!result.sections.empty()) {
        std::string chosen = options.section;
        if (chosen.empty()) {
            for (std::string_view pref : kPreferredSections)
                if (std::find(result.sections.begin(), result.sections.end(), pref) != result.sections.end()) {
                    chosen = std::string(pref);
                    break;
                }
            if (chosen.empty()) chosen = result.sections.front();
        }
        if (std::find(result.sections.begin(), result.sections.end(), chosen) == result.sections.end()) {
            std::string list;
            for (const auto& s : result.sections) list += (list.empty() ? "" : ", ") + s;
            throw FormatError(withFile("score section '" + chosen + "' not found; sections present: " + list, source));
        }
        result.section = chosen;
        entries = &root.at(chosen);
        keys = &order.nested[chosen];
    } else if (!options.section.empty()) {
        throw FormatError(withFile("score section '" + options.section + "' requested but the file is flat", source));
    }

    std::vector<RawEntry> raw;
    int maxLayer = -1, maxHead = -1;
    for (const std::string& name : *keys) {
        const auto key = detail::parseHeadKey(name);
        if (!key)
            throw FormatError(withFile("score key '" + name + "': expected \"<layer>-<head>\" with decimal indices",
                                       source + (result.section.empty() ? "" : "#" + result.section)));
        // The matrix is sized from the largest indices: "0-5789968" must not allocate millions of heads.
        detail::checkIndexLimits(key->layer, key->head, "score key '" + name + "'", source);
        raw.push_back({*key, name, toValues(entries->at(name), name, source)});
        maxLayer = std::max(maxLayer, key->layer);
        maxHead = std::max(maxHead, key->head);
    }
    if (raw.empty())
        throw FormatError(withFile("score file has no \"<layer>-<head>\" entries", source));

    // Shape: from the model when known, else from the largest indices.
    int layers = maxLayer + 1;
    if (options.layers) {
        if (maxLayer >= *options.layers)
            throw FormatError(withFile("score key layer index " + std::to_string(maxLayer) + " out of range: expected < "
                                           + std::to_string(*options.layers) + " layers", source));
        layers = *options.layers;
    }
    int heads = maxHead + 1;
    HeadGranularity granularity = HeadGranularity::QueryHead;
    if (options.queryHeads || options.kvHeads) {
        result.granularityChecked = true;
        const int q = options.queryHeads.value_or(-1);
        const int kv = options.kvHeads.value_or(-1);
        const std::string n = std::to_string(heads);
        if (heads == q) {
            granularity = HeadGranularity::QueryHead;
            result.shapeStatement = heads == kv ? "per head: " + n + " heads per layer (query heads = KV heads, no GQA)"
                                                : "per query head: " + n + " heads per layer = num_attention_heads" +
                                                      (kv > 0 ? " (the model has " + std::to_string(kv) + " KV heads)" : "");
        } else if (heads == kv) {
            granularity = HeadGranularity::KvHead;
            result.shapeStatement = "per KV head: " + n + " heads per layer = num_key_value_heads" +
                                    (q > 0 ? " (the model has " + std::to_string(q) + " query heads)" : "");
        } else if (q > 0 && heads < q && options.allowMissingHeads) {
            heads = q;
            result.shapeStatement = "per query head: largest head index " + std::to_string(maxHead) + " < " +
                                    std::to_string(q) + " query heads (missing heads allowed)";
        } else if (q < 0 && heads % kv == 0) {
            result.warnings.push_back("query-head count not supplied; " + std::to_string(heads)
                                      + " heads taken as query heads (a multiple of " + std::to_string(kv) + " KV heads)");
            result.shapeStatement = "per query head: " + n + " heads per layer, a multiple of " + std::to_string(kv) +
                                    " KV heads (num_attention_heads not given)";
        } else {
            std::string expected;
            if (q > 0) expected = std::to_string(q) + " (query heads)";
            if (kv > 0) expected += (expected.empty() ? "" : " or ") + std::to_string(kv) + " (KV heads)";
            if (q < 0) expected += " or a multiple of it";
            throw FormatError(withFile("score file head count: expected " + expected
                                           + ", found " + std::to_string(heads) + " (largest head index "
                                           + std::to_string(maxHead) + ")", source));
        }
    }

    if (result.shapeStatement.empty())
        result.shapeStatement = "NOT checked against a model (give --model DIR or --config config.json); read as query "
                                "heads as the format defines, " + std::to_string(heads) + " per layer";
    result.matrix.layers = layers;
    result.matrix.heads = heads;
    result.matrix.granularity = granularity;
    result.matrix.metric = result.section;
    const auto cells = static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads);
    result.matrix.values.assign(cells, 0.0);
    result.lists.assign(cells, {});
    std::vector<bool> present(cells, false);

    int outOfOrderAt = -1;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto& e = raw[i];
        const auto cell = static_cast<std::size_t>(e.key.layer) * static_cast<std::size_t>(heads) + static_cast<std::size_t>(e.key.head);
        if (present[cell])
            throw FormatError(withFile("duplicate score head (" + std::to_string(e.key.layer) + ", "
                                           + std::to_string(e.key.head) + ") from key '" + e.text + "'", source));
        present[cell] = true;
        result.lists[cell] = e.values;
        if (i > 0 && outOfOrderAt < 0) {
            const auto& p = raw[i - 1].key;
            if (std::pair(e.key.layer, e.key.head) < std::pair(p.layer, p.head)) outOfOrderAt = static_cast<int>(i);
        }
    }
    if (outOfOrderAt >= 0) {
        result.canonicalOrder = false;
        result.warnings.push_back("keys are not in canonical layer-major order (first out-of-order key '"
                                  + raw[static_cast<std::size_t>(outOfOrderAt)].text + "' at position "
                                  + std::to_string(outOfOrderAt) + "); values were mapped by key");
    }

    result.minListLength = -1;
    int emptyLists = 0;
    for (std::size_t c = 0; c < cells; ++c) {
        if (!present[c]) {
            ++result.missingHeads;
            continue;
        }
        const auto& list = result.lists[c];
        const int n = static_cast<int>(list.size());
        result.minListLength = result.minListLength < 0 ? n : std::min(result.minListLength, n);
        result.maxListLength = std::max(result.maxListLength, n);
        if (n == 0) {
            ++emptyLists;
            continue;
        }
        double sum = 0.0;
        for (double v : list) sum += v;
        result.matrix.values[c] = sum / n;
    }
    result.minListLength = std::max(result.minListLength, 0);
    if (result.missingHeads > 0) {
        std::string firstMissing;
        for (std::size_t c = 0; c < cells && firstMissing.empty(); ++c)
            if (!present[c]) firstMissing = detail::headKeyString(static_cast<int>(c) / heads, static_cast<int>(c) % heads);
        const std::string msg = std::to_string(result.missingHeads) + " of " + std::to_string(cells) + " heads missing for a "
                                + std::to_string(layers) + "x" + std::to_string(heads) + " model (first: '" + firstMissing + "')";
        if (!options.allowMissingHeads)
            throw FormatError(withFile("score file incomplete: " + msg + "; expected every \"L-H\" key", source));
        result.warnings.push_back(msg + "; their scores are 0");
    }
    if (result.minListLength != result.maxListLength)
        result.warnings.push_back("per-head lists have unequal lengths (" + std::to_string(result.minListLength) + " to "
                                  + std::to_string(result.maxListLength) + " values)");
    if (emptyLists > 0)
        result.warnings.push_back(std::to_string(emptyLists) + " heads have empty lists; their scores are 0");
    return result;
}

ImportedScores importScoreFile(const std::filesystem::path& given, const ScoreFileImportOptions& options)
{
    std::filesystem::path file = given;
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
        // A DuoAttention / RLKV pattern directory (attn_patterns/<model>/<run>/) names its TSV.
        for (const char* name : {"full_attention_heads.tsv", "adapter_weights.tsv"})
            if (std::filesystem::is_regular_file(given / name, ec)) {
                file = given / name;
                break;
            }
        if (file == given)
            throw LoadError(withFile("is a directory: expected a score file, or a DuoAttention / RLKV pattern directory "
                                     "holding full_attention_heads.tsv or adapter_weights.tsv",
                                     given.string()));
    }
    const std::string text = readFileBytes(file, "score file");
    const ScoreFormat& format = options.format.empty() ? detectScoreFormat(file, text) : scoreFormatForImport(options.format);
    ImportedScores result = format.parse(text, file.string(), options);
    result.sha256 = sha256Hex(text);
    result.matrix.provenance = "scores:" + file.string() + " sha256:" + result.sha256;
    return result;
}

} // namespace headscope
