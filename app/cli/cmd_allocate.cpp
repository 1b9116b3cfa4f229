// `headscope-cli allocate`: head scores (score file or session) → per-head KV budget file
// (docs/algorithms.md §3 and §4), with a per-layer table and totals against the full cache.
#include "allocate_report.h"
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/allocator.h"
#include "headscope/core/budget_file.h"
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"
#include "headscope/core/score_file.h"
#include "headscope/core/session.h"

#include <filesystem>
#include <iostream>

namespace headscope::cli {

int runAllocate(const std::vector<std::string>& args)
{
    ArgParser p("allocate", "Turn head scores into per-head KV budgets (selected tokens per head + window).");
    p.option("scores", "FILE.json", "HeadKV / Retrieval_Head / DiliLazyKV score file")
        .option("section", "NAME", "section of a nested DiliLazyKV file (default: infscores, recalls, precisions)")
        .option("session", "S.h5", "HeadScope session to take scores from")
        .option("metric", "NAME", "session metric (inf, dili, lazy, retrieval, reasoning, …); default: inf, or the metric "
                                  "an imported session holds")
        .option("gate", "rouge1|qaf1", "session gate applied before averaging")
        .option("threshold", "X", "gate threshold (tests with gate value > X are kept)")
        .option("method", "NAME", allocationMethodNames(), true)
        .option("base", "C", "KV size per head including the window", false, "128")
        .option("window", "W", "observation window (default 16 for dililazykv, else 8)")
        .option("beta", "B", "pool parameter (default 1.351 for dililazykv, else 1.5)")
        .option("temp", "T", "score exponent", false, "1")
        .option("floor-alpha", "A", "adakv: share of the budget every head keeps (0..1)", false, "0.2")
        .option("granularity", "query|kv", "capacities per query head or per KV head", false, "query")
        .option("group-agg", "mean|max|sum", "how a KV group's query-head caps are combined", false, "mean")
        .option("model", "DIR|config.json", "checkpoint whose config.json gives layers, heads, KV heads, head_dim")
        .option("layers", "L", "layers (uniform/pyramid without scores; else a check)")
        .option("heads", "H", "query heads (uniform/pyramid without scores; else a check)")
        .option("kv-heads", "N", "KV heads (needed for --granularity kv and for bytes)")
        .option("head-dim", "D", "head dimension (needed for bytes)")
        .option("dtype", "bf16|f16|f32", "KV element type for bytes", false, "bf16")
        .option("context-length", "L", "prompt length: truncates caps at L − window, full-cache baseline, pyramid rules")
        .option("out", "budget.json", "write the budget file here")
        .flag("json", "print machine-readable output");
    p.note("Scores: exactly one of --scores FILE or --session S.h5 (for headkv and dililazykv).");
    p.note("adakv writes each layer's budget; the compressed cache splits it across heads at prefill from the "
           "prompt's own observation-window scores (floor --floor-alpha).");
    if (!p.parse(args)) return 0;

    const AllocationMethod method = parseAllocationMethod(p.value("method"));
    if (p.optional("scores") && p.optional("session"))
        throw UsageError("give either --scores or --session, not both");

    AllocationParams params;
    params.baseCapacity = p.intValue("base");
    const bool dili = method == AllocationMethod::DiliLazyKv;
    params.window = p.optional("window") ? p.intValue("window") : (dili ? 16 : 8);
    params.beta = p.optional("beta") ? p.doubleValue("beta") : (dili ? 1.351 : 1.5);
    params.temp = p.doubleValue("temp");
    params.adaFloorAlpha = p.doubleValue("floor-alpha");
    if (params.adaFloorAlpha < 0.0 || params.adaFloorAlpha > 1.0)
        throw UsageError("--floor-alpha: expected a value in [0, 1], got " + p.value("floor-alpha"));
    if (p.optional("context-length")) params.promptLength = p.intValue("context-length");

    std::optional<int> layers, heads, kvHeads, headDim;
    std::vector<int64_t> slidingWindows; // local layers' windows, from --model
    if (auto model = p.optional("model")) {
        std::filesystem::path config = *model;
        if (std::filesystem::is_directory(config)) config /= "config.json";
        const ModelConfig cfg = loadModelConfig(config);
        layers = static_cast<int>(cfg.numLayers);
        heads = static_cast<int>(cfg.numHeads);
        kvHeads = static_cast<int>(cfg.numKvHeads);
        headDim = static_cast<int>(cfg.headDim);
        slidingWindows = modelDims(cfg).slidingWindows;
    }
    if (p.optional("layers")) layers = p.intValue("layers");
    if (p.optional("heads")) heads = p.intValue("heads");
    if (p.optional("kv-heads")) kvHeads = p.intValue("kv-heads");
    if (p.optional("head-dim")) headDim = p.intValue("head-dim");

    std::optional<ImportedScores> imported;
    if (auto file = p.optional("scores")) {
        ScoreFileImportOptions opts;
        opts.layers = layers;
        opts.queryHeads = heads;
        opts.kvHeads = kvHeads;
        opts.section = p.optional("section").value_or("");
        imported = importScoreFile(*file, opts);
        if (imported->matrix.granularity == HeadGranularity::KvHead)
            throw UsageError("score file " + *file + " is per KV head; allocate from query-head scores");
        layers = imported->matrix.layers;
        heads = imported->matrix.heads;
    }
    std::optional<ScoreMatrix> sessionScores;
    if (auto session = p.optional("session")) {
        const auto reader = SessionReader::open(*session);
        SessionQuery q;
        q.metric = p.has("metric") ? parseHeadMetric(p.value("metric")) : reader->defaultMetric();
        q.gate = parseGate(p.optional("gate").value_or("none"));
        q.threshold = p.optional("threshold") ? p.doubleValue("threshold") : 50.0;
        SessionAggregate a = reader->aggregateStrict(q);
        const SessionManifest& m = reader->manifest();
        layers = m.layers;
        heads = m.heads;
        kvHeads = m.kvHeads;
        if (m.headDim > 0)
            headDim = m.headDim;
        sessionScores = std::move(a.mean);
    }
    if (!layers || !heads)
        throw UsageError("--method " + p.value("method") + " without --scores or --session needs --layers and --heads");

    const ScoreMatrix* scores = imported ? &imported->matrix : sessionScores ? &*sessionScores : nullptr;
    BudgetPlan plan = allocate(method, scores, *layers, *heads, params);
    const GroupAggregation agg = parseGroupAggregation(p.value("group-agg"));
    const std::string granularity = p.value("granularity");
    if (granularity == "kv") {
        if (!kvHeads) throw UsageError("--granularity kv needs --kv-heads");
        plan = toKvHeadPlan(plan, *kvHeads, agg);
    } else if (granularity != "query") {
        throw UsageError("--granularity expects query or kv, got '" + granularity + "'");
    }
    if (kvHeads && headDim) {
        plan.model = ModelDims{*layers, *heads, *kvHeads, *headDim, {}};
        if (static_cast<int>(slidingWindows.size()) == *layers) plan.model->slidingWindows = slidingWindows;
    }

    AllocateReportInput report;
    report.plan = &plan;
    report.dims = plan.model;
    report.dtype = parseKvDtype(p.value("dtype"));
    report.contextLength = params.promptLength;
    report.aggregation = agg;
    report.baseCapacity = params.baseCapacity;
    if (imported) report.warnings = imported->warnings;
    if (auto out = p.optional("out")) {
        writeBudgetFile(*out, plan);
        report.outPath = *out;
    }
    if (p.has("json")) printAllocateJson(std::cout, report);
    else printAllocateTable(std::cout, report);
    return 0;
}

} // namespace headscope::cli
