// QRHead head sets (docs/score_formats.md §qrhead): a YAML config whose attn_head_set is a
// comma-separated list of "layer-head" query heads, best first (the detector sorts heads by
// score and keeps the top k), or "full_heads"; QRHead's retriever splits on ',' and '-'.
// Only the top-level "key: scalar" lines of such a config are read; nested YAML is ignored.
#include "headscope/core/errors.h"
#include "score_format_impls.h"
#include "score_key.h"
#include "score_shape.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace headscope::detail {

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// The scalar of "key: value": double- or single-quoted, or plain up to a " #" comment.
std::string scalarValue(std::string_view v, int lineNo, const std::string& source)
{
    v = trim(v);
    if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
        const char q = v.front();
        const auto close = v.find(q, 1);
        if (close == std::string_view::npos)
            throw FormatError(withFile("line " + std::to_string(lineNo) + ": unterminated quoted value", source));
        const std::string_view inner = v.substr(1, close - 1);
        if (q == '"' && inner.find('\\') != std::string_view::npos)
            throw FormatError(withFile("line " + std::to_string(lineNo) +
                                           ": escape sequences are not supported in a head-set value",
                                       source));
        const std::string_view rest = trim(v.substr(close + 1));
        if (!rest.empty() && rest.front() != '#')
            throw FormatError(withFile("line " + std::to_string(lineNo) + ": unexpected text after the quoted value: '" +
                                           std::string(rest.substr(0, 40)) + "'",
                                       source));
        return std::string(inner);
    }
    if (const auto hash = v.find(" #"); hash != std::string_view::npos)
        v = v.substr(0, hash);
    return std::string(trim(v));
}

std::map<std::string, std::string> topLevelScalars(std::string_view bytes, const std::string& source)
{
    std::map<std::string, std::string> keys;
    std::size_t pos = 0;
    int lineNo = 0;
    while (pos < bytes.size()) {
        const std::size_t eol = std::min(bytes.find('\n', pos), bytes.size());
        const std::string_view line = bytes.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (line.empty() || line.front() == ' ' || line.front() == '\t' || line.front() == '#' || line.front() == '-')
            continue; // blank, nested, comment or sequence lines
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        const std::string key(trim(line.substr(0, colon)));
        if (!keys.emplace(key, scalarValue(line.substr(colon + 1), lineNo, source)).second)
            throw FormatError(withFile("line " + std::to_string(lineNo) + ": key '" + key + "' appears twice", source));
    }
    return keys;
}

} // namespace

bool sniffQrHead(const std::filesystem::path& file, std::string_view bytes)
{
    const auto ext = file.extension();
    return ext == ".yaml" || ext == ".yml" || bytes.substr(0, 4096).find("attn_head_set:") != std::string_view::npos;
}

ImportedScores parseQrHeadYaml(std::string_view bytes, const std::string& source, const ScoreFileImportOptions& options)
{
    const auto keys = topLevelScalars(bytes, source);
    const auto it = keys.find("attn_head_set");
    if (it == keys.end())
        throw FormatError(withFile("no attn_head_set key: expected a QRHead config with attn_head_set: \"L-H,L-H,…\"", source));
    const std::string& set = it->second;
    if (set == "full_heads")
        throw FormatError(withFile("attn_head_set is \"full_heads\" (every head): the file names no head set to import", source));

    std::vector<HeadKey> heads;
    std::set<std::pair<int, int>> seen;
    int maxLayer = 0, maxHead = 0;
    std::size_t start = 0;
    while (start <= set.size()) {
        const std::size_t comma = std::min(set.find(',', start), set.size());
        const std::string item(trim(std::string_view(set).substr(start, comma - start)));
        const auto key = parseHeadKey(item);
        if (!key)
            throw FormatError(withFile("attn_head_set entry " + std::to_string(heads.size() + 1) + ": expected \"<layer>-<head>\", found '" +
                                           item.substr(0, 40) + "'",
                                       source));
        // The matrix is sized from the largest indices: bound them before maxLayer + 1.
        checkIndexLimits(key->layer, key->head, "attn_head_set entry '" + item + "'", source);
        if (!seen.insert({key->layer, key->head}).second)
            throw FormatError(withFile("attn_head_set names head '" + item + "' twice", source));
        heads.push_back(*key);
        maxLayer = std::max(maxLayer, key->layer);
        maxHead = std::max(maxHead, key->head);
        start = comma + 1;
    }

    FileShape file;
    file.layers = maxLayer + 1;
    file.layersExact = false;
    file.heads = maxHead + 1;
    file.headsExact = false;
    file.formatGranularity = HeadGranularity::QueryHead;
    const CheckedShape shape = checkFileShape(file, options, source, "QRHead head set");

    ImportedScores r = importedScoresFor(shape, "qrhead");
    r.valuesAreRanks = true;
    if (const auto m = keys.find("model_name_or_path"); m != keys.end())
        r.declaredModel = m->second;
    const auto k = static_cast<double>(heads.size());
    for (std::size_t i = 0; i < heads.size(); ++i)
        r.matrix.at(heads[i].layer, heads[i].head) = (k - static_cast<double>(i)) / k;
    fillSingleValueLists(r);
    r.warnings.push_back("a head set holds ranks, not scores: the first of its " + std::to_string(heads.size()) +
                         " heads is 1, the i-th (k - i + 1)/k, heads outside the set 0");
    if (!shape.checked && !options.layers)
        r.warnings.push_back("shape taken from the largest indices in the set (" + std::to_string(shape.layers) + " layers × " +
                             std::to_string(shape.heads) + " heads); give --model to place it in the whole model");
    return r;
}

std::vector<ScoreFileOutput> writeQrHeadYaml(const ScoreMatrix& m, const ScoreExportOptions& o)
{
    if (m.granularity == HeadGranularity::KvHead)
        throw UsageError("qrhead: QRHead head sets index query heads; these scores are per KV head");
    const std::size_t n = m.values.size();
    if (o.topK < 1 || static_cast<std::size_t>(o.topK) > n)
        throw UsageError("qrhead: --top-k must be between 1 and " + std::to_string(n) + " (layers × heads), got " +
                         std::to_string(o.topK));
    for (std::size_t c = 0; c < n; ++c)
        if (!std::isfinite(m.values[c]))
            throw UsageError("qrhead: score of head " + headKeyString(static_cast<int>(c) / m.heads, static_cast<int>(c) % m.heads) +
                             " is not finite");
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Best first; equal scores keep layer-major order, so the set is reproducible.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m.values[a] > m.values[b]; });
    std::string set;
    for (int i = 0; i < o.topK; ++i) {
        const auto c = static_cast<int>(order[static_cast<std::size_t>(i)]);
        set += (i ? "," : "") + headKeyString(c / m.heads, c % m.heads);
    }
    if (o.modelName.find_first_of("\"\\\n") != std::string::npos)
        throw UsageError("qrhead: model name '" + o.modelName + "' cannot hold quotes, backslashes or line breaks");
    std::string provenance = o.provenance.empty() ? m.provenance : o.provenance;
    std::replace(provenance.begin(), provenance.end(), '\n', ' ');
    std::string baseClass = o.modelName;
    if (const auto slash = baseClass.find_last_of('/'); slash != std::string::npos)
        baseClass = baseClass.substr(slash + 1);
    std::string text = "# HeadScope export: top " + std::to_string(o.topK) + " heads by " +
                       (m.metric.empty() ? std::string("score") : m.metric) +
                       (provenance.empty() ? std::string() : " (" + provenance + ")") + "\n";
    text += "attn_head_set: \"" + set + "\" # top" + std::to_string(o.topK) + "\n";
    text += "model_base_class: \"" + baseClass + "\"\n";
    text += "model_name_or_path: \"" + o.modelName + "\"\n";
    return {{"", text}};
}

} // namespace headscope::detail
