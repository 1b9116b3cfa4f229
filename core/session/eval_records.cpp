// `eval` results as values: configurations, the manifest and per-example records ↔ JSON text
// (stored as byte datasets, docs/eval_format.md), and the summary with bootstrap intervals.
#include "eval_json.h"

#include "common/json_input.h"

#include "headscope/core/errors.h"
#include "headscope/core/eval_results.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace headscope {

namespace {

// Parsed through json_input (bounded depth); keys are written in sorted order, as sessions'.
using json = nlohmann::json;

std::string dump(const json& j, int indent = -1)
{
    return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json configsToJson(const std::vector<EvalConfigKey>& configs)
{
    json a = json::array();
    for (const EvalConfigKey& c : configs)
        a.push_back({{"method", c.method}, {"budget", c.budget}});
    return a;
}

std::vector<EvalConfigKey> configsFromJson(const json& a)
{
    std::vector<EvalConfigKey> out;
    for (const json& c : a)
        out.push_back({c.at("method").get<std::string>(), c.at("budget").get<int64_t>()});
    return out;
}

} // namespace

std::string EvalConfigKey::label() const
{
    return isFull() ? method : method + " C=" + std::to_string(budget);
}

const EvalOutcome* EvalRecord::outcome(const EvalConfigKey& key) const
{
    for (const EvalOutcome& o : outcomes)
        if (o.config == key)
            return &o;
    return nullptr;
}

std::vector<EvalConfigKey> evalConfigs(bool full, const std::vector<AllocationMethod>& methods,
                                       const std::vector<int64_t>& budgets)
{
    std::vector<EvalConfigKey> out;
    if (full)
        out.push_back({"full", 0});
    for (AllocationMethod m : methods)
        for (int64_t b : budgets)
            out.push_back({std::string(allocationMethodName(m)), b});
    return out;
}

EvalManifest makeEvalManifest(const std::string& fieldsJson, const std::vector<EvalConfigKey>& configs,
                              int examplesTotal, int shardIndex, int shardCount, uint64_t bootstrapSeed)
{
    json j = json::object();
    j["format"] = "headscope-eval";
    j["version"] = kEvalFormatVersion;
    if (!fieldsJson.empty()) {
        const json fields = json_input::parse(fieldsJson, "eval manifest fields");
        for (auto it = fields.begin(); it != fields.end(); ++it)
            j[it.key()] = it.value();
    }
    j["configs"] = configsToJson(configs);
    j["examples_total"] = examplesTotal;
    j["shard_index"] = shardIndex;
    j["shard_count"] = shardCount;
    j["bootstrap_seed"] = bootstrapSeed;
    return parseEvalManifest(dump(j, 2), "eval manifest");
}

EvalManifest parseEvalManifest(const std::string& text, const std::string& source)
{
    EvalManifest m;
    m.json = text;
    try {
        const json j = json_input::parse(text, source + ": /manifest");
        if (j.value("format", "") != "headscope-eval")
            throw FormatError(source + ": /manifest format: expected \"headscope-eval\", got " +
                              dump(j.contains("format") ? j["format"] : json("nothing")));
        if (j.at("version").get<int>() > kEvalFormatVersion)
            throw FormatError(source + ": /manifest version " + std::to_string(j.at("version").get<int>()) +
                              " is newer than this HeadScope reads (" + std::to_string(kEvalFormatVersion) + ")");
        m.configs = configsFromJson(j.at("configs"));
        m.examplesTotal = j.at("examples_total").get<int>();
        m.shardIndex = j.at("shard_index").get<int>();
        m.shardCount = j.at("shard_count").get<int>();
        m.bootstrapSeed = j.at("bootstrap_seed").get<uint64_t>();
        m.model = j.value("model", "");
    } catch (const json::exception& e) {
        throw FormatError(source + ": /manifest: " + e.what());
    }
    return m;
}

namespace eval_json {

std::string withoutKeys(const std::string& manifestJson, std::initializer_list<const char*> keys)
{
    json j = json_input::parse(manifestJson, "eval manifest");
    for (const char* k : keys)
        j.erase(k);
    return dump(j);
}

std::string withKeys(const std::string& manifestJson, const std::string& updatesJson)
{
    json j = json_input::parse(manifestJson, "eval manifest");
    const json updates = json_input::parse(updatesJson, "eval manifest update");
    for (auto it = updates.begin(); it != updates.end(); ++it)
        j[it.key()] = it.value();
    return dump(j, 2);
}

std::string recordToJson(const EvalRecord& r)
{
    json j;
    j["index"] = r.index;
    j["line"] = r.line;
    j["format"] = r.format;
    j["dataset"] = r.dataset;
    j["id"] = r.id;
    j["metric"] = r.metric;
    j["question"] = r.question;
    j["answer_prefix"] = r.answerPrefix;
    j["answers"] = r.answers;
    j["all_classes"] = r.allClasses;
    j["length"] = r.length ? json(*r.length) : json(nullptr);
    j["max_length"] = r.maxLength ? json(*r.maxLength) : json(nullptr);
    j["max_new_tokens"] = r.maxNewTokens;
    j["prompt_tokens"] = r.promptTokens;
    j["original_tokens"] = r.originalTokens;
    j["truncated"] = r.truncated;
    json outcomes = json::array();
    for (const EvalOutcome& o : r.outcomes)
        outcomes.push_back({{"method", o.config.method},
                            {"budget", o.config.budget},
                            {"prediction", o.prediction},
                            {"score", o.score},
                            {"kv_bytes", o.kvBytes},
                            {"seconds", o.seconds},
                            {"prefill_ms", o.prefillMs},
                            {"decode_ms_per_token", o.decodeMsPerToken},
                            {"generated_tokens", o.generatedTokens}});
    j["outcomes"] = outcomes;
    return dump(j);
}

EvalRecord recordFromJson(const std::string& text, const std::string& where)
{
    EvalRecord r;
    try {
        const json j = json_input::parse(text, where);
        r.index = j.at("index").get<int>();
        r.line = j.value("line", 0);
        r.format = j.at("format").get<std::string>();
        r.dataset = j.value("dataset", "");
        r.id = j.value("id", "");
        r.metric = j.at("metric").get<std::string>();
        r.question = j.value("question", "");
        r.answerPrefix = j.value("answer_prefix", "");
        r.answers = j.at("answers").get<std::vector<std::string>>();
        r.allClasses = j.value("all_classes", std::vector<std::string>{});
        if (j.contains("length") && !j["length"].is_null())
            r.length = j["length"].get<int64_t>();
        if (j.contains("max_length") && !j["max_length"].is_null())
            r.maxLength = j["max_length"].get<int64_t>();
        r.maxNewTokens = j.at("max_new_tokens").get<int>();
        r.promptTokens = j.at("prompt_tokens").get<int64_t>();
        r.originalTokens = j.at("original_tokens").get<int64_t>();
        r.truncated = j.at("truncated").get<bool>();
        for (const json& o : j.at("outcomes")) {
            EvalOutcome e;
            e.config = {o.at("method").get<std::string>(), o.at("budget").get<int64_t>()};
            e.prediction = o.at("prediction").get<std::string>();
            e.score = o.at("score").get<double>();
            e.kvBytes = o.at("kv_bytes").get<int64_t>();
            e.seconds = o.value("seconds", 0.0);
            e.prefillMs = o.value("prefill_ms", 0.0);
            e.decodeMsPerToken = o.value("decode_ms_per_token", 0.0);
            e.generatedTokens = o.value("generated_tokens", 0);
            r.outcomes.push_back(std::move(e));
        }
    } catch (const json::exception& e) {
        throw FormatError(where + ": " + e.what());
    }
    return r;
}

} // namespace eval_json

std::vector<EvalSummaryRow> summarizeEval(const std::vector<EvalRecord>& records, const std::vector<EvalConfigKey>& configs,
                                          uint64_t seed, int resamples)
{
    // By example index, so the bootstrap draws do not depend on the order examples were written
    // in (resumed runs, merged shards).
    std::vector<const EvalRecord*> sorted;
    for (const EvalRecord& r : records)
        sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(), [](const EvalRecord* a, const EvalRecord* b) { return a->index < b->index; });
    using Group = std::pair<std::string, int64_t>; // dataset, requested length
    std::vector<Group> datasets;
    std::map<Group, std::vector<const EvalRecord*>> byDataset;
    for (const EvalRecord* r : sorted) {
        const Group g{r->dataset, r->maxLength.value_or(0)};
        if (!byDataset.count(g))
            datasets.push_back(g);
        byDataset[g].push_back(r);
    }
    const auto fullIt = std::find_if(configs.begin(), configs.end(), [](const EvalConfigKey& c) { return c.isFull(); });
    std::vector<EvalSummaryRow> rows;
    for (const Group& dataset : datasets) {
        const auto& group = byDataset[dataset];
        std::string metric = group.front()->metric;
        int truncated = 0;
        for (const EvalRecord* r : group) {
            if (r->metric != metric)
                metric = "mixed";
            truncated += r->truncated ? 1 : 0;
        }
        // Values of one configuration over the group; examples lacking it are skipped (a
        // merged file always has every configuration for every example).
        auto collect = [&](const EvalConfigKey& key, std::vector<double>& score, std::vector<double>& bytes,
                           std::vector<double>& seconds) {
            for (const EvalRecord* r : group)
                if (const EvalOutcome* o = r->outcome(key)) {
                    score.push_back(o->score);
                    bytes.push_back(static_cast<double>(o->kvBytes));
                    seconds.push_back(o->seconds);
                }
        };
        std::vector<double> fullScore, fullBytes, fullSeconds;
        if (fullIt != configs.end())
            collect(*fullIt, fullScore, fullBytes, fullSeconds);
        double fullBytesMean = 0.0;
        for (double b : fullBytes)
            fullBytesMean += b / static_cast<double>(fullBytes.size());
        for (const EvalConfigKey& key : configs) {
            std::vector<double> score, bytes, seconds;
            collect(key, score, bytes, seconds);
            EvalSummaryRow row;
            row.dataset = dataset.first;
            row.maxLength = dataset.second;
            row.config = key;
            row.metric = metric;
            row.truncated = truncated;
            row.score = bootstrapMean(score, seed, resamples);
            for (double b : bytes)
                row.kvBytesMean += b / static_cast<double>(bytes.size());
            for (double s : seconds)
                row.secondsMean += s / static_cast<double>(seconds.size());
            if (fullBytesMean > 0.0)
                row.kvFractionOfFull = row.kvBytesMean / fullBytesMean;
            if (!fullScore.empty() && !key.isFull() && fullScore.size() == score.size())
                row.vsFull = bootstrapMeanDifference(score, fullScore, seed, resamples);
            rows.push_back(std::move(row));
        }
    }
    return rows;
}

std::string evalSummaryToJson(const std::vector<EvalSummaryRow>& rows)
{
    json a = json::array();
    for (const EvalSummaryRow& r : rows) {
        json j;
        j["dataset"] = r.dataset;
        j["max_length"] = r.maxLength;
        j["method"] = r.config.method;
        j["budget"] = r.config.budget;
        j["metric"] = r.metric;
        j["n"] = r.score.n;
        j["mean"] = r.score.mean;
        j["ci_low"] = r.score.low;
        j["ci_high"] = r.score.high;
        if (r.vsFull)
            j["vs_full"] = {{"mean", r.vsFull->mean}, {"ci_low", r.vsFull->low}, {"ci_high", r.vsFull->high}};
        j["kv_bytes_mean"] = r.kvBytesMean;
        j["kv_fraction_of_full"] = r.kvFractionOfFull;
        j["seconds_mean"] = r.secondsMean;
        j["truncated"] = r.truncated;
        a.push_back(std::move(j));
    }
    return dump(a, 2);
}

} // namespace headscope
