// Budget JSON (docs/budget_format.md). Written compactly by hand (one capacity row per layer)
// so files stay diffable; read with nlohmann_json and validated field by field.
#include "headscope/core/budget_file.h"
#include "headscope/core/file_read.h"

#include "headscope/core/allocation_method.h"
#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h" // kMaxModel*
#include "headscope/core/score_file.h"   // writeTextFile

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <set>

namespace headscope {

namespace {

using Json = nlohmann::json;

std::string number(double v)
{
    if (!std::isfinite(v)) throw UsageError("budget file: parameter value is not finite");
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

std::string granularityName(HeadGranularity g)
{
    return g == HeadGranularity::QueryHead ? "query_head" : "kv_head";
}

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& expected, const Json& actual)
{
    std::string found = actual.is_discarded() ? "nothing" : actual.dump();
    if (found.size() > 60) found = found.substr(0, 57) + "...";
    throw FormatError(withFile("budget key '" + key + "': expected " + expected + ", found " + found, source));
}

bool inRange(const Json& v, int64_t minValue, int64_t maxValue)
{
    return v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) &&
           v.get<int64_t>() >= minValue && v.get<int64_t>() <= maxValue;
}

const Json& require(const Json& obj, const std::string& key, const std::string& source, const std::string& expected)
{
    if (!obj.contains(key)) fail(source, key, expected, Json(Json::value_t::discarded));
    return obj.at(key);
}

// An integer in [minValue, maxValue]; the bounds are the model limits (model_config.h), so a
// plan is never sized, summed or narrowed to int from a number no model has.
int64_t requireInt(const Json& obj, const std::string& key, const std::string& source, int64_t minValue, int64_t maxValue)
{
    const std::string expected = "an integer in [" + std::to_string(minValue) + ", " + std::to_string(maxValue) + "]";
    const Json& v = require(obj, key, source, expected);
    if (!inRange(v, minValue, maxValue)) fail(source, key, expected, v);
    return v.get<int64_t>();
}

} // namespace

std::string budgetPlanToJson(const BudgetPlan& plan)
{
    if (plan.capacities.size() != static_cast<std::size_t>(plan.layers) * static_cast<std::size_t>(plan.heads))
        throw UsageError("budget file: plan " + std::to_string(plan.layers) + "x" + std::to_string(plan.heads) + " holds "
                         + std::to_string(plan.capacities.size()) + " capacities");
    std::string out = "{\n";
    out += "  \"format\": \"headscope-budget\",\n";
    out += "  \"version\": " + std::to_string(kBudgetFormatVersion) + ",\n";
    out += "  \"method\": " + Json(plan.method).dump() + ",\n";
    out += "  \"parameters\": {";
    bool first = true;
    for (const auto& [k, v] : plan.parameters) {
        out += std::string(first ? "" : ", ") + Json(k).dump() + ": " + number(v);
        first = false;
    }
    out += "},\n";
    if (plan.model) {
        const ModelDims& m = *plan.model;
        out += "  \"model\": {\"layers\": " + std::to_string(m.layers) + ", \"query_heads\": " + std::to_string(m.queryHeads)
               + ", \"kv_heads\": " + std::to_string(m.kvHeads) + ", \"head_dim\": " + std::to_string(m.headDim);
        if (!m.slidingWindows.empty())
            out += ", \"sliding_windows\": " + Json(m.slidingWindows).dump();
        out += "},\n";
    }
    out += "  \"granularity\": \"" + granularityName(plan.granularity) + "\",\n";
    if (plan.groupAggregation)
        out += "  \"group_aggregation\": \"" + groupAggregationName(*plan.groupAggregation) + "\",\n";
    out += "  \"provenance\": " + Json(plan.provenance).dump() + ",\n";
    out += "  \"window\": " + std::to_string(plan.window) + ",\n";
    out += "  \"layers\": " + std::to_string(plan.layers) + ",\n";
    out += "  \"heads\": " + std::to_string(plan.heads) + ",\n";
    out += "  \"total_selected\": " + std::to_string(plan.totalCapacity()) + ",\n";
    out += "  \"capacities\": [\n";
    for (int l = 0; l < plan.layers; ++l) {
        out += "    [";
        for (int h = 0; h < plan.heads; ++h) out += (h ? ", " : "") + std::to_string(plan.at(l, h));
        out += l + 1 < plan.layers ? "],\n" : "]\n";
    }
    out += "  ]\n}\n";
    return out;
}

BudgetPlan parseBudgetPlan(std::string_view text, const std::string& source)
{
    Json root = json_input::parse(text, source);
    json_input::requireObject(root, source, "a budget file");
    const Json& format = require(root, "format", source, "\"headscope-budget\"");
    if (format != "headscope-budget") fail(source, "format", "\"headscope-budget\"", format);
    const int64_t version = requireInt(root, "version", source, 1, INT32_MAX);
    if (version != kBudgetFormatVersion) fail(source, "version", std::to_string(kBudgetFormatVersion), root["version"]);

    BudgetPlan plan;
    const std::string methods = "one of " + allocationMethodNames();
    const Json& method = require(root, "method", source, methods);
    if (!method.is_string())
        fail(source, "method", methods, method);
    try {
        plan.method = allocationMethodName(parseAllocationMethod(method.get<std::string>()));
    } catch (const UsageError&) {
        fail(source, "method", methods, method);
    }

    if (root.contains("parameters")) {
        const Json& params = root["parameters"];
        if (!params.is_object()) fail(source, "parameters", "an object of numbers", params);
        for (auto it = params.begin(); it != params.end(); ++it) {
            if (!it.value().is_number()) fail(source, "parameters." + it.key(), "a number", it.value());
            plan.parameters[it.key()] = it.value().get<double>();
        }
    }
    const Json& gran = require(root, "granularity", source, "\"query_head\" or \"kv_head\"");
    if (gran == "query_head") plan.granularity = HeadGranularity::QueryHead;
    else if (gran == "kv_head") plan.granularity = HeadGranularity::KvHead;
    else fail(source, "granularity", "\"query_head\" or \"kv_head\"", gran);
    if (root.contains("group_aggregation")) {
        const Json& agg = root["group_aggregation"];
        if (agg != "mean" && agg != "max" && agg != "sum") fail(source, "group_aggregation", "mean, max or sum", agg);
        plan.groupAggregation = parseGroupAggregation(agg.get<std::string>());
    }
    if (root.contains("provenance")) {
        if (!root["provenance"].is_string()) fail(source, "provenance", "a string", root["provenance"]);
        plan.provenance = root["provenance"].get<std::string>();
    }
    plan.window = static_cast<int>(requireInt(root, "window", source, 0, kMaxModelPositions));
    plan.layers = static_cast<int>(requireInt(root, "layers", source, 1, kMaxModelLayers));
    plan.heads = static_cast<int>(requireInt(root, "heads", source, 1, kMaxModelHeads));

    if (root.contains("model")) {
        const Json& m = root["model"];
        if (!m.is_object()) fail(source, "model", "an object", m);
        ModelDims dims;
        dims.layers = static_cast<int>(requireInt(m, "layers", source + "#model", 1, kMaxModelLayers));
        dims.queryHeads = static_cast<int>(requireInt(m, "query_heads", source + "#model", 1, kMaxModelHeads));
        dims.kvHeads = static_cast<int>(requireInt(m, "kv_heads", source + "#model", 1, kMaxModelHeads));
        dims.headDim = static_cast<int>(requireInt(m, "head_dim", source + "#model", 1, kMaxModelHeadDim));
        if (auto sw = m.find("sliding_windows"); sw != m.end()) {
            if (!sw->is_array() || static_cast<int64_t>(sw->size()) != dims.layers)
                fail(source, "model.sliding_windows", "a list of " + std::to_string(dims.layers) + " windows (0 = full)", *sw);
            for (const Json& w : *sw) {
                if (!w.is_number_integer() || w.get<int64_t>() < 0)
                    fail(source, "model.sliding_windows", "non-negative integers", *sw);
                dims.slidingWindows.push_back(w.get<int64_t>());
            }
        }
        if (dims.layers != plan.layers) fail(source, "model.layers", std::to_string(plan.layers) + " (= layers)", m["layers"]);
        const int expectedHeads = plan.granularity == HeadGranularity::QueryHead ? dims.queryHeads : dims.kvHeads;
        if (expectedHeads != plan.heads)
            fail(source, "heads", std::to_string(expectedHeads) + " (model heads at this granularity)", root["heads"]);
        plan.model = dims;
    }

    const std::string capsExpected = std::to_string(plan.layers) + " rows of " + std::to_string(plan.heads)
                                     + " non-negative integers";
    const Json& caps = require(root, "capacities", source, capsExpected);
    if (!caps.is_array() || caps.size() != static_cast<std::size_t>(plan.layers)) fail(source, "capacities", capsExpected, caps);
    plan.capacities.reserve(static_cast<std::size_t>(plan.layers) * static_cast<std::size_t>(plan.heads));
    for (std::size_t l = 0; l < caps.size(); ++l) {
        const Json& row = caps[l];
        const std::string key = "capacities[" + std::to_string(l) + "]";
        if (!row.is_array() || row.size() != static_cast<std::size_t>(plan.heads))
            fail(source, key, std::to_string(plan.heads) + " non-negative integers", row);
        for (std::size_t h = 0; h < row.size(); ++h) {
            if (!inRange(row[h], 0, kMaxModelPositions))
                fail(source, key + "[" + std::to_string(h) + "]",
                     "an integer in [0, " + std::to_string(kMaxModelPositions) + "]", row[h]);
            plan.capacities.push_back(row[h].get<int64_t>());
        }
    }
    if (root.contains("total_selected")) {
        const Json& total = root["total_selected"];
        if (!total.is_number_integer() || total.get<int64_t>() != plan.totalCapacity())
            fail(source, "total_selected", std::to_string(plan.totalCapacity()) + " (sum of capacities)", total);
    }
    return plan;
}

BudgetPlan readBudgetFile(const std::filesystem::path& file)
{
    return parseBudgetPlan(readFileBytes(file, "budget file"), file.string());
}

void writeBudgetFile(const std::filesystem::path& file, const BudgetPlan& plan)
{
    writeTextFile(file, budgetPlanToJson(plan));
}

} // namespace headscope
