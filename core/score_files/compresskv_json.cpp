// CompressKV head indices (docs/score_formats.md §compresskv): json.dump of {layer: [head, …]}
// with every layer's query heads sorted by mean retrieval score, best first. CompressKV's loader
// reads keys "0" … str(len − 1) in order and takes each list's first `first_topk` heads, so the
// file is a per-layer ranking: positions, not scores.
#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "score_format_impls.h"
#include "score_shape.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace headscope::detail {

namespace {

constexpr int kMaxDepth = 8; // {"layer": [heads]} is two deep; deeper input is not this format

std::optional<int> layerKey(const std::string& key)
{
    int v = -1;
    if (key.empty() || key.size() > 9 || !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::from_chars(key.data(), key.data() + key.size(), v);
    return v;
}

} // namespace

bool sniffCompressKv(const std::filesystem::path&, std::string_view bytes)
{
    // {  "<digits>" :   — a layer index where the "L-H" formats have "0-0".
    std::size_t i = 0;
    auto skip = [&] {
        while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t'))
            ++i;
    };
    skip();
    if (i >= bytes.size() || bytes[i++] != '{')
        return false;
    skip();
    if (i >= bytes.size() || bytes[i++] != '"')
        return false;
    const std::size_t digits = i;
    while (i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9')
        ++i;
    if (i == digits || i >= bytes.size() || bytes[i++] != '"')
        return false;
    skip();
    return i < bytes.size() && bytes[i] == ':';
}

ImportedScores parseCompressKv(std::string_view bytes, const std::string& source, const ScoreFileImportOptions& options)
{
    // {"layer": [heads]} is two deep; json_input refuses deeper input before parsing it.
    json_input::KeyOrder order;
    json_input::checkDepth(bytes, source, kMaxDepth);
    const nlohmann::json root = json_input::parse(bytes, source, order);
    if (!order.firstDuplicate.empty())
        throw FormatError(withFile("layer key '" + order.firstDuplicate.substr(0, 40) + "' appears twice", source));
    if (!root.is_object() || root.empty())
        throw FormatError(withFile("expected a JSON object {\"0\": [heads], \"1\": [...], …}", source));

    checkIndexLimits(static_cast<int64_t>(root.size()) - 1, 0, "CompressKV head ranking with " + std::to_string(root.size()) + " layers",
                     source);
    const int layers = static_cast<int>(root.size());
    std::vector<std::vector<int>> ranking(static_cast<std::size_t>(layers));
    std::vector<bool> present(static_cast<std::size_t>(layers), false);
    int maxHead = -1;
    std::size_t firstLength = 0;
    bool equalLengths = true;
    for (auto it = root.begin(); it != root.end(); ++it) {
        const auto layer = layerKey(it.key());
        if (!layer)
            throw FormatError(withFile("key '" + it.key().substr(0, 40) +
                                           "': expected a decimal layer index (CompressKV maps layer → ranked heads; "
                                           "\"L-H\" keys are the headkv format)",
                                       source));
        if (*layer >= layers)
            throw FormatError(withFile("layer key '" + it.key() + "' out of range: the file has " + std::to_string(layers) +
                                           " keys, and CompressKV's loader reads \"0\" … \"" + std::to_string(layers - 1) + "\"",
                                       source));
        if (!it.value().is_array())
            throw FormatError(withFile("layer " + it.key() + ": expected a list of head indices, found " +
                                           it.value().dump().substr(0, 40),
                                       source));
        std::set<int> seen;
        auto& list = ranking[static_cast<std::size_t>(*layer)];
        for (const auto& e : it.value()) {
            if (!e.is_number_integer() || e.get<long long>() < 0)
                throw FormatError(withFile("layer " + it.key() + " entry " + std::to_string(list.size()) +
                                               ": expected a non-negative head index, found " + e.dump().substr(0, 40),
                                           source));
            checkIndexLimits(*layer, e.get<long long>(), "layer " + it.key() + " entry " + std::to_string(list.size()), source);
            const int h = e.get<int>();
            if (!seen.insert(h).second)
                throw FormatError(withFile("layer " + it.key() + " ranks head " + std::to_string(h) + " twice", source));
            list.push_back(h);
            maxHead = std::max(maxHead, h);
        }
        if (list.empty())
            throw FormatError(withFile("layer " + it.key() + " ranks no heads", source));
        present[static_cast<std::size_t>(*layer)] = true;
        if (firstLength == 0)
            firstLength = list.size();
        equalLengths = equalLengths && list.size() == firstLength;
    }
    // Keys are unique and all < layers, so every layer is present; kept as a guard.
    for (int l = 0; l < layers; ++l)
        if (!present[static_cast<std::size_t>(l)])
            throw FormatError(withFile("layer " + std::to_string(l) + " missing", source));

    // Complete rankings (every layer a permutation of 0 … n−1) give the head count exactly.
    const bool complete = equalLengths && static_cast<std::size_t>(maxHead + 1) == firstLength;
    FileShape file;
    file.layers = layers;
    file.heads = maxHead + 1;
    file.headsExact = complete;
    file.formatGranularity = HeadGranularity::QueryHead;
    const CheckedShape shape = checkFileShape(file, options, source, "CompressKV head ranking");

    ImportedScores r = importedScoresFor(shape, "compresskv");
    r.valuesAreRanks = true;
    const auto H = static_cast<double>(shape.heads);
    int partial = 0;
    for (int l = 0; l < layers; ++l) {
        const auto& list = ranking[static_cast<std::size_t>(l)];
        partial += static_cast<int>(list.size()) < shape.heads;
        for (std::size_t p = 0; p < list.size(); ++p)
            r.matrix.at(l, list[p]) = (H - static_cast<double>(p)) / H;
    }
    fillSingleValueLists(r);
    r.warnings.push_back("per-layer rankings, not scores: each layer's first head is 1, the p-th (H - p + 1)/H "
                         "(H = " + std::to_string(shape.heads) + "); compare heads within a layer only");
    if (partial > 0)
        r.warnings.push_back(std::to_string(partial) + " layers rank fewer than " + std::to_string(shape.heads) +
                             " heads; unranked heads are 0");
    return r;
}

} // namespace headscope::detail
