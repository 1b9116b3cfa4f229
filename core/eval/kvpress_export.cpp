// kvpress's result layout (its evaluation/evaluate.py): a folder per run named
// "<dataset>__<data_dir>__<model>__<press>__<compression ratio %.2f>[__<extra>…]" holding
// predictions.csv (the dataset's columns without the context, plus predicted_answer and
// compression_ratio), metrics.json (its scorer's output) and config.yaml. docs/eval_format.md
// lists what HeadScope writes in each and where it differs.
#include "headscope/core/kvpress_export.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace headscope {

namespace {

using json = nlohmann::ordered_json;

std::string jsonList(const std::vector<std::string>& items)
{
    return json(items).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string fixed2(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

// The share of the KV cache the configuration removed for one example: measured against the
// full cache's bytes when it ran, else the share of prompt tokens beyond the budget.
double compressionRatio(const EvalRecord& r, const EvalOutcome& o)
{
    if (o.config.isFull())
        return 0.0;
    for (const EvalOutcome& f : r.outcomes)
        if (f.config.isFull() && f.kvBytes > 0)
            return std::max(0.0, 1.0 - static_cast<double>(o.kvBytes) / static_cast<double>(f.kvBytes));
    if (r.promptTokens <= 0)
        return 0.0;
    const double kept = static_cast<double>(std::min<int64_t>(o.config.budget, r.promptTokens));
    return 1.0 - kept / static_cast<double>(r.promptTokens);
}

std::string yamlString(const std::string& s)
{
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace); // a JSON string is a YAML string
}

struct Group {
    std::string benchmark; // "longbench" | "ruler"
    std::string dataDir;
    std::vector<const EvalRecord*> records;
};

} // namespace

std::string csvField(const std::string& value)
{
    if (value.find_first_of(",\"\r\n") == std::string::npos)
        return value;
    std::string out = "\"";
    for (char c : value) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string kvpressModelName(const std::string& modelPathOrId)
{
    std::string s = modelPathOrId;
    while (s.size() > 1 && s.back() == '/')
        s.pop_back();
    std::error_code ec;
    if (std::filesystem::is_directory(s, ec) || s.starts_with("/") || s.starts_with("."))
        return std::filesystem::path(s).filename().string();
    std::string out;
    for (char c : s) {
        if (c == '/')
            out += "--";
        else
            out += c;
    }
    return out;
}

std::string kvpressPressName(const EvalConfigKey& config)
{
    return config.isFull() ? "no_press" : "headscope_" + config.method;
}

std::vector<std::filesystem::path> exportKvpress(const std::vector<EvalRecord>& records,
                                                 const std::vector<EvalConfigKey>& configs,
                                                 const std::filesystem::path& dir, const std::string& modelName)
{
    std::vector<Group> groups;
    std::map<std::string, std::size_t> at;
    std::vector<const EvalRecord*> sorted;
    for (const EvalRecord& r : records)
        sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(), [](const EvalRecord* a, const EvalRecord* b) { return a->index < b->index; });
    for (const EvalRecord* r : sorted) {
        Group g;
        if (r->format == "ruler") {
            g.benchmark = "ruler";
            g.dataDir = r->maxLength ? std::to_string(*r->maxLength) : std::string();
        } else {
            g.benchmark = "longbench";
            g.dataDir = r->dataset;
        }
        const std::string key = g.benchmark + "\n" + g.dataDir;
        if (!at.count(key)) {
            at[key] = groups.size();
            groups.push_back(g);
        }
        groups[at[key]].records.push_back(r);
    }

    std::vector<std::filesystem::path> written;
    for (const Group& g : groups)
        for (const EvalConfigKey& key : configs) {
            std::vector<std::pair<const EvalRecord*, const EvalOutcome*>> rows;
            double ratio = 0.0;
            for (const EvalRecord* r : g.records)
                if (const EvalOutcome* o = r->outcome(key)) {
                    rows.emplace_back(r, o);
                    ratio += compressionRatio(*r, *o);
                }
            if (rows.empty())
                continue;
            ratio /= static_cast<double>(rows.size());
            std::string name = g.benchmark;
            for (const std::string& part : {g.dataDir, modelName, kvpressPressName(key), fixed2(ratio)})
                if (!part.empty())
                    name += "__" + part;
            if (!key.isFull())
                name += "__budget" + std::to_string(key.budget);
            const std::filesystem::path folder = dir / name;
            std::error_code ec;
            if (std::filesystem::exists(folder / "predictions.csv", ec) || std::filesystem::exists(folder / "metrics.json", ec))
                throw UsageError("--export-kvpress: " + folder.string() + " already holds results");
            std::filesystem::create_directories(folder, ec);
            if (ec)
                throw LoadError("--export-kvpress: cannot create " + folder.string() + ": " + ec.message());

            const bool ruler = g.benchmark == "ruler";
            std::string csv = ruler ? "question,answer_prefix,answer,task,max_new_tokens,predicted_answer,compression_ratio"
                                    : "question,answers,all_classes,length,task,max_new_tokens,predicted_answer,"
                                      "compression_ratio";
            csv += ",index,budget,kv_bytes,score\n";
            for (const auto& [r, o] : rows) {
                std::vector<std::string> cells;
                cells.push_back(r->question);
                if (ruler) {
                    cells.push_back(r->answerPrefix);
                    cells.push_back(jsonList(r->answers));
                } else {
                    cells.push_back(jsonList(r->answers));
                    cells.push_back(jsonList(r->allClasses));
                    cells.push_back(r->length ? std::to_string(*r->length) : std::string());
                }
                cells.push_back(r->dataset);
                cells.push_back(std::to_string(r->maxNewTokens));
                cells.push_back(o->prediction);
                cells.push_back(fixed2(compressionRatio(*r, *o)));
                cells.push_back(std::to_string(r->index));
                cells.push_back(std::to_string(o->config.budget));
                cells.push_back(std::to_string(o->kvBytes));
                cells.push_back(fixed2(o->score));
                for (std::size_t i = 0; i < cells.size(); ++i)
                    csv += (i ? "," : "") + csvField(cells[i]);
                csv += "\n";
            }
            writeTextFile(folder / "predictions.csv", csv);

            // kvpress's scorers: LongBench → one number, RULER → {task: {"string_match": x}}.
            json metrics;
            if (ruler) {
                std::map<std::string, std::pair<double, int>> byTask;
                std::vector<std::string> order;
                for (const auto& [r, o] : rows) {
                    if (!byTask.count(r->dataset))
                        order.push_back(r->dataset);
                    byTask[r->dataset].first += o->score;
                    ++byTask[r->dataset].second;
                }
                metrics = json::object();
                for (const std::string& task : order)
                    metrics[task] = {{"string_match", round2(byTask[task].first / byTask[task].second)}};
            } else {
                double sum = 0.0;
                for (const auto& [r, o] : rows)
                    sum += o->score;
                metrics = round2(sum / static_cast<double>(rows.size()));
            }
            writeTextFile(folder / "metrics.json", metrics.dump(4) + "\n");

            std::string yaml;
            yaml += "dataset: " + yamlString(g.benchmark) + "\n";
            yaml += "data_dir: " + yamlString(g.dataDir) + "\n";
            yaml += "model: " + yamlString(modelName) + "\n";
            yaml += "press_name: " + yamlString(kvpressPressName(key)) + "\n";
            yaml += "compression_ratio: " + fixed2(ratio) + "\n";
            yaml += "headscope_method: " + yamlString(key.method) + "\n";
            yaml += "headscope_budget: " + std::to_string(key.budget) + "\n";
            yaml += "examples: " + std::to_string(rows.size()) + "\n";
            writeTextFile(folder / "config.yaml", yaml);
            written.push_back(folder);
        }
    return written;
}

} // namespace headscope
