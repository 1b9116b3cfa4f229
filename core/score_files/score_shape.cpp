#include "score_shape.h"

#include "headscope/core/errors.h"
#include "headscope/core/model_config.h" // kMaxModelLayers, kMaxModelHeads

namespace headscope::detail {

namespace {

std::string fileShapeText(const FileShape& f)
{
    if (f.layersExact && f.headsExact)
        return std::to_string(f.layers) + " layers × " + std::to_string(f.heads) + " heads";
    return "layer indices up to " + std::to_string(f.layers - 1) + " and head indices up to " + std::to_string(f.heads - 1);
}

} // namespace

std::string describeModelShape(const ScoreFileImportOptions& o)
{
    std::string s;
    auto add = [&](const std::optional<int>& v, const char* what) {
        if (v)
            s += (s.empty() ? "" : ", ") + std::to_string(*v) + " " + what;
    };
    add(o.layers, "layers");
    add(o.queryHeads, "query heads");
    add(o.kvHeads, "KV heads");
    return s.empty() ? "no known dimensions" : s;
}

void checkIndexLimits(int64_t layer, int64_t head, const std::string& item, const std::string& source)
{
    const bool layerTooLarge = layer >= kMaxModelLayers;
    if (!layerTooLarge && head < kMaxModelHeads)
        return;
    const std::string index = layerTooLarge ? "layer index " + std::to_string(layer) : "head index " + std::to_string(head);
    const int largest = (layerTooLarge ? kMaxModelLayers : kMaxModelHeads) - 1;
    throw FormatError(withFile(item + ": " + index + " is beyond the supported maximum of " + std::to_string(largest) +
                                   " (docs/input_limits.md)",
                               source));
}

CheckedShape checkFileShape(const FileShape& file, const ScoreFileImportOptions& o, const std::string& source,
                            std::string_view what)
{
    auto fail = [&](const std::string& detail) {
        throw FormatError(withFile(std::string(what) + " has " + fileShapeText(file) + "; the model has " +
                                       describeModelShape(o) + detail,
                                   source));
    };
    checkIndexLimits(int64_t{file.layers} - 1, int64_t{file.heads} - 1, std::string(what), source);
    CheckedShape r;
    r.layers = file.layers;
    r.heads = file.heads;
    r.granularity = file.formatGranularity;
    if (o.layers) {
        if (file.layersExact ? file.layers != *o.layers : file.layers > *o.layers)
            fail(file.layersExact ? ": expected one entry per layer" : ": a layer index is out of range");
        r.layers = *o.layers;
    }
    const int q = o.queryHeads.value_or(0), kv = o.kvHeads.value_or(0);
    if (q == 0 && kv == 0) {
        r.checked = false;
        r.statement = std::string("NOT checked against a model (give --model DIR or --config config.json); read as ") +
                      (file.formatGranularity == HeadGranularity::KvHead ? "KV heads" : "query heads") +
                      " as the format defines, " + std::to_string(file.heads) + " per layer";
        return r;
    }
    r.checked = true;
    const std::string n = std::to_string(file.heads);
    if (file.headsExact) {
        if (file.heads == q && file.heads == kv) {
            r.granularity = HeadGranularity::QueryHead;
            r.statement = "per head: " + n + " values per layer (query heads = KV heads, no GQA)";
        } else if (file.heads == kv) {
            r.granularity = HeadGranularity::KvHead;
            r.statement = "per KV head: " + n + " values per layer = num_key_value_heads" +
                          (q > 0 ? " (the model has " + std::to_string(q) + " query heads)" : "");
        } else if (file.heads == q) {
            r.granularity = HeadGranularity::QueryHead;
            r.statement = "per query head: " + n + " values per layer = num_attention_heads" +
                          (kv > 0 ? " (the model has " + std::to_string(kv) + " KV heads)" : "");
        } else if (q == 0 && file.heads % kv == 0) {
            r.granularity = HeadGranularity::QueryHead;
            r.statement = "per query head: " + n + " values per layer, a multiple of " + std::to_string(kv) +
                          " KV heads (num_attention_heads not given)";
        } else {
            std::string expected;
            if (q > 0)
                expected = std::to_string(q) + " (query heads)";
            if (kv > 0)
                expected += (expected.empty() ? "" : " or ") + std::to_string(kv) + " (KV heads)";
            fail(": expected " + expected + " values per layer, found " + n);
        }
        return r;
    }
    // Head sets and partial rankings name only some heads: the format says which axis they index.
    const bool kvAxis = file.formatGranularity == HeadGranularity::KvHead ? kv > 0 : q == 0;
    const int limit = kvAxis ? kv : q;
    if (file.heads > limit)
        fail(": head index " + std::to_string(file.heads - 1) + " is out of range for " + std::to_string(limit) +
             (kvAxis ? " KV heads" : " query heads"));
    r.heads = limit;
    r.granularity = kvAxis ? HeadGranularity::KvHead : HeadGranularity::QueryHead;
    r.statement = std::string("indexes ") + (kvAxis ? "KV" : "query") + " heads as the format defines: largest head index " +
                  std::to_string(file.heads - 1) + " < " + std::to_string(limit);
    return r;
}

ImportedScores importedScoresFor(const CheckedShape& shape, std::string format)
{
    ImportedScores r;
    r.format = std::move(format);
    r.matrix.layers = shape.layers;
    r.matrix.heads = shape.heads;
    r.matrix.granularity = shape.granularity;
    r.granularityChecked = shape.checked;
    r.shapeStatement = shape.statement;
    r.matrix.values.assign(static_cast<std::size_t>(shape.layers) * static_cast<std::size_t>(shape.heads), 0.0);
    return r;
}

} // namespace headscope::detail
