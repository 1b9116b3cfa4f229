// headscope-cli scores: aggregate a session's per-test head scores (metric, gate, threshold,
// subset) and export them in any exportable format of the registry (score_formats.h): HeadKV /
// Retrieval_Head / SparseMM JSON, DiliLazyKV JSON, CSV, DuoAttention TSV for kvpress's
// DuoAttentionPress, QRHead head sets, LU-KV budget curves for kvpress's LUKVPress.
#include "arg_parser.h"
#include "commands.h"
#include "model_shape_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_formats.h"
#include "headscope/core/session.h"

#include <iostream>

namespace headscope::cli {

int runScores(const std::vector<std::string>& args)
{
    ArgParser p("scores", "Aggregate and export a session's head scores.");
    p.option("session", "S.h5", "probe session", true)
        .option("metric", "NAME", "inf|dili|lazy|retrieval|reasoning|diligent|subconscious|distracted|diffuse|…; default: "
                                  "inf, or the metric an imported session holds")
        .option("gate", "none|rouge1|qaf1", "gate applied to tests", false, "none")
        .option("threshold", "X", "gate threshold (×100); tests above it are kept", false, "50")
        .option("lengths", "L1,L2", "only these context lengths")
        .option("depths", "D1,D2", "only these depths (fractions)")
        .option("export", "FORMAT", scoreFormatNames(false), false, "headkv")
        .option("out", "PATH", "output file (a directory for duo)", true)
        .option("normalize", "rank|minmax|top:F", "duo: how scores become gate values in [0, 1]", false, "rank")
        .option("top-k", "K", "qrhead: heads in the set", false, "16")
        .option("group-agg", "mean|max|sum", "duo, lukv: how a KV group's query-head scores combine", false, "mean")
        .option("sink-size", "N", "duo: config.json sink_size", false, "128")
        .option("recent-size", "N", "duo: config.json recent_size", false, "256")
        .option("floor-alpha", "A", "lukv: share of each ratio's keep budget spread evenly over heads", false, "0.2")
        .option("model-name", "NAME", "qrhead: model_name_or_path (default: the session's model directory name)");
    addModelShapeOptions(p);
    p.note("Per-KV-head formats (duo, lukv) group query heads by the session's KV-head count, or the model's "
           "(--model DIR, --config config.json, --kv-heads K).");
    if (!p.parse(args))
        return 0;
    const ScoreFormat& format = scoreFormatForExport(p.value("export"));
    const auto reader = SessionReader::open(p.value("session"));
    const SessionManifest& m = reader->manifest();
    SessionQuery q;
    q.metric = p.has("metric") ? parseHeadMetric(p.value("metric")) : reader->defaultMetric();
    q.gate = parseGate(p.value("gate"));
    q.threshold = p.doubleValue("threshold");
    if (p.has("lengths"))
        q.lengths = parseIntList(p.value("lengths"), "--lengths");
    if (p.has("depths"))
        q.depths = parseDoubleList(p.value("depths"), "--depths");
    const SessionAggregate a = reader->aggregateStrict(q);

    ScoreMatrix matrix = a.mean;
    if (m.headGranularity == "kv")
        matrix.granularity = HeadGranularity::KvHead;
    const ModelShapeArgs shape = modelShapeFromArgs(p);
    if (shape.layers && *shape.layers != matrix.layers)
        throw UsageError("--model/--layers: " + std::to_string(*shape.layers) + " layers, but the session has " +
                         std::to_string(matrix.layers));
    // A probe session, or one imported with its model, knows the KV heads; grouping by another
    // count would mix heads.
    const bool kvKnown = m.mode != "imported" || !m.configJson.empty();
    if (shape.kvHeads && kvKnown && m.kvHeads > 0 && *shape.kvHeads != m.kvHeads)
        throw UsageError("--model/--kv-heads: " + std::to_string(*shape.kvHeads) + " KV heads, but the session's model has " +
                         std::to_string(m.kvHeads));
    if (shape.queryHeads && matrix.granularity == HeadGranularity::QueryHead && *shape.queryHeads != matrix.heads)
        throw UsageError("--model/--heads: " + std::to_string(*shape.queryHeads) + " query heads, but the session has " +
                         std::to_string(matrix.heads));
    ScoreExportOptions o;
    o.lists = a.lists;
    o.kvHeads = shape.kvHeads.value_or(m.headGranularity == "kv" ? matrix.heads : m.kvHeads);
    o.groupAggregation = parseGroupAggregation(p.value("group-agg"));
    o.normalization = parseScoreNormalization(p.value("normalize"));
    o.topK = p.intValue("top-k");
    o.sinkSize = p.intValue("sink-size");
    o.recentSize = p.intValue("recent-size");
    o.floorAlpha = p.doubleValue("floor-alpha");
    if (o.sinkSize < 0 || o.recentSize < 0)
        throw UsageError("--sink-size and --recent-size must be non-negative");
    o.modelName = p.has("model-name") ? p.value("model-name")
                  : !shape.modelName.empty() ? shape.modelName
                  : std::filesystem::path(m.modelPath).lexically_normal().filename().string();
    char gate[96];
    std::snprintf(gate, sizeof gate, " metric=%s gate=%s threshold=%g accepted=%d", std::string(headMetricName(q.metric)).c_str(),
                  p.value("gate").c_str(), q.threshold, a.testsAccepted);
    o.provenance = "session:" + p.value("session") + gate;
    writeScoreOutputs(p.value("out"), format.write(matrix, o), format.writesDirectory);
    std::cout << "wrote " << p.value("out") << " (" << format.name << "): " << a.mean.layers << "×" << a.mean.heads
              << (matrix.granularity == HeadGranularity::KvHead ? " KV" : "") << " heads, metric "
              << headMetricName(q.metric) << ", " << a.testsAccepted << " of " << a.testsConsidered << " tests accepted\n";
    return 0;
}

} // namespace headscope::cli
