// Tables for `headscope-cli allocate`: per layer min/mean/max selected tokens per head, kept
// tokens and bytes, then totals against the full cache and the uniform SnapKV baseline
// (docs/algorithms.md decision (g): always show both baselines).
#include "allocate_report.h"

#include "headscope/core/model_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace headscope::cli {

namespace {

struct LayerRow {
    int64_t minCap = 0, maxCap = 0, tokens = 0, bytes = -1;
    double meanCap = 0;
    int64_t slidingWindow = 0; // local layer: its window
};

std::vector<LayerRow> layerRows(const AllocateReportInput& in, const MemoryEstimate* gqa)
{
    const BudgetPlan& p = *in.plan;
    std::vector<LayerRow> rows(static_cast<std::size_t>(p.layers));
    for (int l = 0; l < p.layers; ++l) {
        LayerRow& r = rows[static_cast<std::size_t>(l)];
        r.minCap = p.at(l, 0);
        r.maxCap = p.at(l, 0);
        int64_t sum = 0;
        for (int h = 0; h < p.heads; ++h) {
            r.minCap = std::min(r.minCap, p.at(l, h));
            r.maxCap = std::max(r.maxCap, p.at(l, h));
            sum += p.at(l, h);
            r.tokens += p.heldTokens(l, h, in.contextLength, in.dims ? in.dims->layerWindow(l) : 0);
        }
        r.slidingWindow = in.dims ? in.dims->layerWindow(l) : 0;
        r.meanCap = static_cast<double>(sum) / p.heads;
        if (gqa) r.bytes = gqa->layerBytes[static_cast<std::size_t>(l)];
    }
    return rows;
}

std::string mib(int64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
}

struct Estimates {
    std::optional<MemoryEstimate> gqa, query, padded;
};

Estimates estimates(const AllocateReportInput& in)
{
    Estimates e;
    if (!in.dims) return e;
    e.gqa = estimateMemory(*in.plan, *in.dims, CacheLayout::GqaFlattened, in.dtype, in.contextLength, in.aggregation);
    e.query = estimateMemory(*in.plan, *in.dims, CacheLayout::QueryHeadFlattened, in.dtype, in.contextLength, in.aggregation);
    e.padded = estimateMemory(*in.plan, *in.dims, CacheLayout::Padded, in.dtype, in.contextLength, in.aggregation);
    return e;
}

} // namespace

void printAllocateTable(std::ostream& os, const AllocateReportInput& in)
{
    const BudgetPlan& p = *in.plan;
    const Estimates est = estimates(in);
    const auto rows = layerRows(in, est.gqa ? &*est.gqa : nullptr);
    os << "method " << p.method << ", " << p.layers << " layers x " << p.heads
       << (p.granularity == HeadGranularity::QueryHead ? " query heads" : " KV heads") << ", window " << p.window << "\n";
    os << "layer   min    mean     max   tokens" << (est.gqa ? "        bytes(gqa)" : "") << "\n";
    char line[128];
    for (std::size_t l = 0; l < rows.size(); ++l) {
        const LayerRow& r = rows[l];
        std::snprintf(line, sizeof line, "%5zu %5lld %7.1f %7lld %8lld", l, static_cast<long long>(r.minCap), r.meanCap,
                      static_cast<long long>(r.maxCap), static_cast<long long>(r.tokens));
        os << line;
        if (r.bytes >= 0) {
            std::snprintf(line, sizeof line, " %17lld", static_cast<long long>(r.bytes));
            os << line;
        }
        if (r.slidingWindow > 0)
            os << "  local, window " << r.slidingWindow;
        os << "\n";
    }
    const int64_t logical = p.logicalTokens(in.contextLength);
    os << "total selected " << p.totalCapacity() << ", logical tokens kept " << logical << " (selected + window";
    os << (in.contextLength ? ", truncated at context " + std::to_string(*in.contextLength) : std::string()) << ")\n";
    if (in.baseCapacity > 0) {
        const int64_t uniform = static_cast<int64_t>(p.layers) * p.heads
                                * (in.contextLength ? std::min(in.baseCapacity, *in.contextLength) : in.baseCapacity);
        os << "uniform SnapKV baseline (C=" << in.baseCapacity << "): " << uniform << " tokens\n";
    }
    if (in.contextLength)
        os << "full cache: " << static_cast<int64_t>(p.layers) * p.heads * *in.contextLength << " tokens at this granularity\n";
    if (est.gqa) {
        os << "physical (" << kvDtypeName(in.dtype) << ", head_dim " << in.dims->headDim << "):\n";
        for (const MemoryEstimate* e : {&*est.gqa, &*est.query, &*est.padded})
            os << "  " << cacheLayoutName(e->layout) << ": " << e->totalBytes << " bytes (" << mib(e->totalBytes)
               << "; metadata " << e->metadataBytes << ", padding " << e->paddingBytes << ")\n";
        if (est.gqa->fullCacheBytes > 0)
            os << "  full cache: " << est.gqa->fullCacheBytes << " bytes (" << mib(est.gqa->fullCacheBytes) << "); gqa plan = "
               << 100.0 * static_cast<double>(est.gqa->totalBytes) / static_cast<double>(est.gqa->fullCacheBytes) << "%\n";
    }
    if (est.gqa && in.dims && !in.dims->slidingWindows.empty()) {
        std::vector<int64_t> local;
        for (int l = 0; l < p.layers; ++l)
            if (in.dims->layerWindow(l) > 0) local.push_back(l);
        os << "local layers " << layerRangesText(local) << " hold at most their sliding window - 1 prompt tokens; "
           << est.gqa->beyondWindowTokens << " tokens of this plan (gqa heads) lie beyond those windows and are not held";
        const int64_t planned = est.gqa->storedTokens + est.gqa->beyondWindowTokens;
        if (planned > 0) os << " (" << 100.0 * static_cast<double>(est.gqa->beyondWindowTokens) / static_cast<double>(planned) << "% of the plan)";
        os << "\n";
    }
    for (const auto& w : in.warnings) os << "warning: " << w << "\n";
    if (!in.outPath.empty()) os << "wrote " << in.outPath << "\n";
}

void printAllocateJson(std::ostream& os, const AllocateReportInput& in)
{
    const BudgetPlan& p = *in.plan;
    const Estimates est = estimates(in);
    nlohmann::ordered_json j;
    j["method"] = p.method;
    j["layers"] = p.layers;
    j["heads"] = p.heads;
    j["granularity"] = p.granularity == HeadGranularity::QueryHead ? "query_head" : "kv_head";
    j["window"] = p.window;
    j["parameters"] = p.parameters;
    j["total_selected"] = p.totalCapacity();
    j["logical_tokens"] = p.logicalTokens(in.contextLength);
    if (in.contextLength) j["context_length"] = *in.contextLength;
    auto rows = nlohmann::ordered_json::array();
    for (const LayerRow& r : layerRows(in, est.gqa ? &*est.gqa : nullptr)) {
        nlohmann::ordered_json row = {{"min", r.minCap}, {"mean", r.meanCap}, {"max", r.maxCap}, {"tokens", r.tokens}};
        if (r.bytes >= 0) row["bytes_gqa"] = r.bytes;
        if (r.slidingWindow > 0) row["sliding_window"] = r.slidingWindow;
        rows.push_back(row);
    }
    j["per_layer"] = rows;
    if (est.gqa) {
        auto bytes = nlohmann::ordered_json::object();
        for (const MemoryEstimate* e : {&*est.gqa, &*est.query, &*est.padded})
            bytes[cacheLayoutName(e->layout)] = {{"total", e->totalBytes}, {"metadata", e->metadataBytes}, {"padding", e->paddingBytes}};
        j["bytes"] = bytes;
        if (est.gqa->fullCacheBytes > 0) j["full_cache_bytes"] = est.gqa->fullCacheBytes;
        j["beyond_window_tokens_gqa"] = est.gqa->beyondWindowTokens;
    }
    auto caps = nlohmann::ordered_json::array();
    for (int l = 0; l < p.layers; ++l) {
        auto row = nlohmann::ordered_json::array();
        for (int h = 0; h < p.heads; ++h) row.push_back(p.at(l, h));
        caps.push_back(row);
    }
    j["capacities"] = caps;
    j["warnings"] = in.warnings;
    if (!in.outPath.empty()) j["out"] = in.outPath;
    os << j.dump() << "\n";
}

} // namespace headscope::cli
