#include "session_json.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <limits>
#include <optional>
#include <type_traits>

namespace headscope::session_json {

using nlohmann::json;

std::string nowIso8601()
{
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

std::string manifestToJson(const SessionManifest& m)
{
    json j;
    j["format_version"] = m.formatVersion;
    j["headscope_version"] = m.headscopeVersion;
    j["model_path"] = m.modelPath;
    j["weight_sha256"] = m.weightSha256;
    j["config_json"] = m.configJson;
    j["tokenizer_sha256"] = m.tokenizerSha256;
    j["haystack"] = m.haystack;
    j["needles_jsonl"] = m.needlesJsonl;
    j["lengths"] = m.lengths;
    j["depths"] = m.depths;
    j["top_k"] = m.topK;
    j["mode"] = m.mode;
    j["max_new_tokens"] = m.maxNewTokens;
    j["stop_at_eos"] = m.stopAtEos;
    j["stop_at_newline"] = m.stopAtNewline;
    j["stop_at_answer_length"] = m.stopAtAnswerLength;
    j["masked_heads"] = m.maskedHeads;
    j["prompt_template"] = m.promptTemplate;
    j["chat_template"] = m.chatTemplate;
    j["add_bos"] = m.addBos;
    j["device"] = m.device;
    j["dtype"] = m.dtype;
    j["layers"] = m.layers;
    j["heads"] = m.heads;
    j["kv_heads"] = m.kvHeads;
    j["head_dim"] = m.headDim;
    j["shard_index"] = m.shardIndex;
    j["shard_count"] = m.shardCount;
    j["imported_from"] = m.importedFrom;
    j["metrics"] = m.metrics;
    j["head_granularity"] = m.headGranularity;
    j["checksums"] = m.checksums;
    j["created"] = m.created;
    j["updated"] = m.updated;
    return j.dump(-1, ' ', false, json::error_handler_t::replace); // generated text may hold partial UTF-8
}

namespace {

// Typed fields of one JSON object; a field of the wrong type is a FormatError naming the
// source, the field, what was expected and what is there (never nlohmann's "type must be
// number, but is null").
class Fields {
public:
    Fields(const json& object, std::string where) : m_j(object), m_where(std::move(where)) {}

    bool has(const char* key) const { return m_j.contains(key); }

    int integer(const char* key, std::optional<int> fallback = std::nullopt) const
    {
        return static_cast<int>(integer64(key, fallback ? std::optional<int64_t>(*fallback) : std::nullopt, INT32_MIN, INT32_MAX));
    }
    int64_t integer64(const char* key, std::optional<int64_t> fallback = std::nullopt, int64_t lo = INT64_MIN,
                      int64_t hi = INT64_MAX) const
    {
        const json* v = find(key, fallback.has_value());
        if (!v)
            return *fallback;
        if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(hi)) ||
            v->get<int64_t>() < lo || v->get<int64_t>() > hi)
            fail(key, "an integer", *v);
        return v->get<int64_t>();
    }
    double number(const char* key, std::optional<double> fallback = std::nullopt) const
    {
        const json* v = find(key, fallback.has_value());
        if (!v)
            return *fallback;
        if (!v->is_number() || !std::isfinite(v->get<double>()))
            fail(key, "a finite number", *v);
        return v->get<double>();
    }
    bool flag(const char* key, bool fallback) const
    {
        const json* v = find(key, true);
        if (!v)
            return fallback;
        if (!v->is_boolean())
            fail(key, "true or false", *v);
        return v->get<bool>();
    }
    std::string text(const char* key, const std::string& fallback = {}) const
    {
        const json* v = find(key, true);
        if (!v)
            return fallback;
        if (!v->is_string())
            fail(key, "a string", *v);
        return v->get<std::string>();
    }
    template <typename T>
    std::vector<T> list(const char* key) const
    {
        const json* v = find(key, true);
        if (!v)
            return {};
        const char* expected = std::is_same_v<T, std::string> ? "an array of strings"
                               : std::is_floating_point_v<T>  ? "an array of finite numbers"
                                                              : "an array of integers";
        if (!v->is_array())
            fail(key, expected, *v);
        std::vector<T> out;
        out.reserve(v->size());
        for (const json& e : *v) {
            bool ok = false;
            if constexpr (std::is_same_v<T, std::string>)
                ok = e.is_string();
            else if constexpr (std::is_floating_point_v<T>)
                ok = e.is_number() && std::isfinite(e.get<double>());
            else
                ok = e.is_number_integer() && e.get<int64_t>() >= std::numeric_limits<T>::min() &&
                     e.get<int64_t>() <= std::numeric_limits<T>::max();
            if (!ok)
                fail(key, expected, *v);
            out.push_back(e.get<T>());
        }
        return out;
    }
    const json& at(const char* key) const { return *find(key, false); }
    [[noreturn]] void fail(const char* key, const std::string& expected, const json& actual) const
    {
        std::string found = actual.dump(-1, ' ', false, json::error_handler_t::replace);
        if (found.size() > 60)
            found = found.substr(0, 57) + "...";
        throw FormatError(m_where + " field \"" + key + "\": expected " + expected + ", got " + found);
    }

private:
    const json* find(const char* key, bool optional) const
    {
        const auto it = m_j.find(key);
        if (it == m_j.end()) {
            if (optional)
                return nullptr;
            throw FormatError(m_where + ": missing field \"" + key + "\"");
        }
        return &*it;
    }

    const json& m_j;
    std::string m_where;
};

json parseObject(const std::string& text, const std::string& where)
{
    // The one bounded JSON reader (json_input: nesting depth checked before parsing); a damaged
    // session usually shows here first.
    json j;
    try {
        j = json_input::parse(text, where);
    } catch (const FormatError& e) {
        throw FormatError(std::string(e.what()) + " (the file may be damaged)");
    }
    json_input::requireObject(j, where, "a session record");
    return j;
}

} // namespace

SessionManifest manifestFromJson(const std::string& text, const std::string& file)
{
    SessionManifest m;
    const json j = parseObject(text, file + ": /manifest");
    const Fields f(j, file + ": /manifest");
    m.formatVersion = f.integer("format_version");
    if (m.formatVersion > kSessionFormatVersion)
        throw FormatError(file + ": session format version " + std::to_string(m.formatVersion) +
                          " is newer than this HeadScope reads (" + std::to_string(kSessionFormatVersion) + ")");
    m.headscopeVersion = f.text("headscope_version");
    m.modelPath = f.text("model_path");
    m.weightSha256 = f.list<std::string>("weight_sha256");
    m.configJson = f.text("config_json");
    m.tokenizerSha256 = f.text("tokenizer_sha256");
    m.haystack = f.text("haystack");
    m.needlesJsonl = f.text("needles_jsonl");
    m.lengths = f.list<int>("lengths");
    m.depths = f.list<double>("depths");
    m.topK = f.integer("top_k", kDefaultTopKInfScore);
    m.mode = f.text("mode", "all-steps");
    m.maxNewTokens = f.integer("max_new_tokens", 0);
    m.stopAtEos = f.flag("stop_at_eos", true);
    m.stopAtNewline = f.flag("stop_at_newline", false);
    m.stopAtAnswerLength = f.flag("stop_at_answer_length", false);
    m.maskedHeads = f.text("masked_heads");
    m.promptTemplate = f.text("prompt_template");
    m.chatTemplate = f.text("chat_template", "none");
    m.addBos = f.flag("add_bos", true);
    m.device = f.text("device");
    m.dtype = f.text("dtype");
    m.layers = f.integer("layers");
    m.heads = f.integer("heads");
    m.kvHeads = f.integer("kv_heads", m.heads);
    m.headDim = f.integer("head_dim", 0);
    m.shardIndex = f.integer("shard_index", 0);
    m.shardCount = f.integer("shard_count", 1);
    m.importedFrom = f.text("imported_from");
    m.metrics = f.list<std::string>("metrics");
    m.headGranularity = f.text("head_granularity", "query");
    m.checksums = f.text("checksums");
    m.created = f.text("created");
    m.updated = f.text("updated");
    for (double d : m.depths)
        if (d < 0.0 || d > 1.0)
            f.fail("depths", "fractions in [0, 1]", j.at("depths"));
    return m;
}

std::string testToJson(const SessionTest& t, const std::vector<std::string>& datasets)
{
    json j;
    if (!datasets.empty())
        j["datasets"] = datasets;
    j["id"] = t.id;
    j["length"] = t.length;
    j["depth"] = t.depth;
    j["needle"] = t.needleIndex;
    j["span"] = {t.spanStart, t.spanEnd};
    j["span_method"] = t.spanMethod;
    j["prompt_length"] = t.promptLength;
    j["status"] = t.status;
    j["error"] = t.error;
    j["generated_ids"] = t.generatedIds;
    j["text"] = t.text;
    j["rouge1_recall"] = t.rouge1Recall;
    j["qa_f1"] = t.qaF1;
    j["scored_rows"] = t.scores.scoredRows;
    return j.dump(-1, ' ', false, json::error_handler_t::replace); // generated text may hold partial UTF-8
}

SessionTest testFromJson(const std::string& text, const std::string& file, std::vector<std::string>* datasets)
{
    SessionTest t;
    const json j = parseObject(text, file + ": test record");
    const Fields f(j, file + ": test record");
    t.id = f.integer("id");
    t.length = f.integer("length");
    t.depth = f.number("depth");
    t.needleIndex = f.integer("needle");
    const json& span = f.at("span");
    if (!span.is_array() || span.size() != 2 || !span[0].is_number_integer() || !span[1].is_number_integer())
        f.fail("span", "[start, end] as two integers", span);
    t.spanStart = span[0].get<int64_t>();
    t.spanEnd = span[1].get<int64_t>();
    t.spanMethod = f.text("span_method");
    t.promptLength = f.integer64("prompt_length", int64_t(0));
    t.status = f.text("status", "ok");
    t.error = f.text("error");
    t.generatedIds = f.list<int32_t>("generated_ids");
    t.text = f.text("text");
    t.rouge1Recall = f.number("rouge1_recall", 0.0);
    t.qaF1 = f.number("qa_f1", 0.0);
    t.scores.scoredRows = f.integer("scored_rows", 0);
    if (datasets)
        *datasets = f.list<std::string>("datasets");
    return t;
}

} // namespace headscope::session_json
