#include "session_json.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>

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
    j["created"] = m.created;
    j["updated"] = m.updated;
    return j.dump(-1, ' ', false, json::error_handler_t::replace); // generated text may hold partial UTF-8
}

SessionManifest manifestFromJson(const std::string& text, const std::string& file)
{
    SessionManifest m;
    try {
        const json j = json_input::parse(text, file + ": /manifest");
        json_input::requireObject(j, file + ": /manifest", "a session manifest");
        m.formatVersion = j.at("format_version").get<int>();
        if (m.formatVersion > kSessionFormatVersion)
            throw FormatError(file + ": session format version " + std::to_string(m.formatVersion) +
                              " is newer than this HeadScope reads (" + std::to_string(kSessionFormatVersion) + ")");
        m.headscopeVersion = j.value("headscope_version", "");
        m.modelPath = j.value("model_path", "");
        m.weightSha256 = j.value("weight_sha256", std::vector<std::string>{});
        m.configJson = j.value("config_json", "");
        m.tokenizerSha256 = j.value("tokenizer_sha256", "");
        m.haystack = j.value("haystack", "");
        m.needlesJsonl = j.value("needles_jsonl", "");
        m.lengths = j.value("lengths", std::vector<int>{});
        m.depths = j.value("depths", std::vector<double>{});
        m.topK = j.value("top_k", kDefaultTopKInfScore);
        m.mode = j.value("mode", "all-steps");
        m.promptTemplate = j.value("prompt_template", "");
        m.chatTemplate = j.value("chat_template", "none");
        m.addBos = j.value("add_bos", true);
        m.device = j.value("device", "");
        m.dtype = j.value("dtype", "");
        m.layers = j.at("layers").get<int>();
        m.heads = j.at("heads").get<int>();
        m.kvHeads = j.value("kv_heads", m.heads);
        m.headDim = j.value("head_dim", 0);
        m.shardIndex = j.value("shard_index", 0);
        m.shardCount = j.value("shard_count", 1);
        m.importedFrom = j.value("imported_from", "");
        m.metrics = j.value("metrics", std::vector<std::string>{});
        m.headGranularity = j.value("head_granularity", "query");
        m.created = j.value("created", "");
        m.updated = j.value("updated", "");
    } catch (const json::exception& e) {
        throw FormatError(file + ": /manifest: " + e.what());
    }
    return m;
}

std::string testToJson(const SessionTest& t)
{
    json j;
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

SessionTest testFromJson(const std::string& text, const std::string& file)
{
    SessionTest t;
    try {
        const json j = json_input::parse(text, file + ": test record");
        json_input::requireObject(j, file + ": test record", "a probe test");
        t.id = j.at("id").get<int>();
        t.length = j.at("length").get<int>();
        t.depth = j.at("depth").get<double>();
        t.needleIndex = j.at("needle").get<int>();
        t.spanStart = j.at("span").at(0).get<int64_t>();
        t.spanEnd = j.at("span").at(1).get<int64_t>();
        t.spanMethod = j.value("span_method", "");
        t.promptLength = j.value("prompt_length", int64_t(0));
        t.status = j.value("status", "ok");
        t.error = j.value("error", "");
        t.generatedIds = j.value("generated_ids", std::vector<int32_t>{});
        t.text = j.value("text", "");
        t.rouge1Recall = j.value("rouge1_recall", 0.0);
        t.qaF1 = j.value("qa_f1", 0.0);
        t.scores.scoredRows = j.value("scored_rows", 0);
    } catch (const json::exception& e) {
        throw FormatError(file + ": test record: " + e.what());
    }
    return t;
}

} // namespace headscope::session_json
