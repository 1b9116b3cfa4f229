// headscope-cli eval: accuracy of every allocation method at several KV budgets against the full
// cache on the user's long-context data (LongBench or RULER JSONL) → HDF5, with a summary per
// dataset × method × budget (bootstrap 95 % intervals) and an optional kvpress-style export.
// Progress with ETA on stderr; Ctrl-C stops between generations, keeps every finished example
// (--resume continues). eval-report prints (and exports) a results file, e.g. after `merge`.
#include "arg_parser.h"
#include "commands.h"
#include "eval_report.h"
#include "interrupt_guard.h"
#include "run_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/eval_runner.h"
#include "headscope/core/file_read.h"
#include "headscope/core/kvpress_export.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/score_file.h"
#include "headscope/core/session.h"
#include "headscope/core/sha256.h"
#include "headscope/engine/engine.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <tuple>

#include <unistd.h>

namespace headscope::cli {

namespace {

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty())
            out.push_back(item);
    return out;
}

// --scores: a probe session (aggregated with --score-metric/--gate/--threshold) or a head-score file.
ScoreMatrix loadScores(const ArgParser& p)
{
    const std::filesystem::path path = p.value("scores");
    const std::string ext = path.extension().string();
    if (ext == ".h5" || ext == ".hdf5") {
        const auto reader = SessionReader::open(path);
        SessionQuery q;
        q.metric = parseHeadMetric(p.value("score-metric"));
        q.gate = parseGate(p.value("gate"));
        q.threshold = p.doubleValue("threshold");
        SessionAggregate a = reader->aggregate(q);
        if (a.testsAccepted == 0)
            throw UsageError("--scores " + path.string() + ": no test passes the gate " + p.value("gate") + " > " +
                             p.value("threshold"));
        a.mean.provenance = "session:" + path.string() + " metric=" + p.value("score-metric") + " gate=" +
                            p.value("gate") + " threshold=" + p.value("threshold");
        return a.mean;
    }
    return importScoreFile(path).matrix;
}

void exportIfAsked(const ArgParser& p, const std::vector<EvalRecord>& records, const EvalManifest& manifest)
{
    if (!p.has("export-kvpress"))
        return;
    std::string model = p.optional("kvpress-model").value_or("");
    if (model.empty())
        model = kvpressModelName(manifest.model.empty() ? std::string("model") : manifest.model);
    const auto folders = exportKvpress(records, manifest.configs, p.value("export-kvpress"), model);
    std::fprintf(stderr, "eval: wrote %zu kvpress result folders under %s\n", folders.size(),
                 p.value("export-kvpress").c_str());
}

} // namespace

int runEval(const CommandArgs& args)
{
    ArgParser p("eval", "Accuracy vs KV budget per allocation method on LongBench / RULER JSONL, against the full cache.");
    p.option("model", "DIR", "checkpoint directory (with tokenizer.json)", true)
        .option("data", "FILE.jsonl", "LongBench fields (context, input, answers, …) or RULER's (input, outputs)", true)
        .option("methods", "M1,M2", "full (the uncompressed cache) and any of " + allocationMethodNames(), false,
                "full,uniform,pyramid,adakv")
        .option("budgets", "C1,C2", "base capacities per head (window included)", false, "64,128,256")
        .option("scores", "S.h5|heads.json", "head scores for headkv/dililazykv: a probe session or a head-score file")
        .option("score-metric", "NAME", "session metric used as scores", false, "inf")
        .option("gate", "rouge1|qaf1|none", "session gate before averaging the scores", false, "none")
        .option("threshold", "X", "gate threshold", false, "50")
        .option("out", "results.h5", "results file (written example by example)", true)
        .option("limit", "N", "only the first N examples of the file")
        .option("max-new-tokens", "N", "answer tokens for every example (default: per dataset)")
        .option("template", "TEXT", "prompt template with {context} and {input} for every LongBench-format example")
        .option("template-file", "FILE", "the same, read from a file")
        .option("metric", "NAME", "metric for every example (default: per dataset): qa_f1, rouge_l, exact_match, "
                                  "substring, classification, count, retrieval, code_sim, string_match_all, "
                                  "string_match_part")
        .flag("chat", "wrap prompts in the model's chat template (not LongBench's few-shot and code sets)")
        .option("max-length", "N", "truncate longer prompts in the middle (default: model window − answer tokens)")
        .flag("stop-at-newline", "end every answer at its first newline")
        .flag("resume", "continue an interrupted run, skipping finished examples")
        .option("shard", "i/n", "run only examples i, i+n, i+2n, … (join with `merge`)", false, "0/1")
        .option("seed", "S", "bootstrap seed for the intervals", false, "0")
        .option("window", "W", "observation window for every method", false, "8")
        .option("beta", "B", "headkv/dililazykv pool parameter", false, "1.5")
        .option("temp", "T", "score exponent", false, "1")
        .option("floor-alpha", "A", "adakv floor", false, "0.2")
        .option("export-kvpress", "DIR", "also write kvpress-style folders (predictions.csv, metrics.json)")
        .option("kvpress-model", "NAME", "model name in the kvpress folder names (default: from --model)");
    addCompressionOptions(p);
    addLoadOptions(p);
    p.flag("json", "print the summary as JSON");
    if (!p.parse(args))
        return 0;

    const std::filesystem::path modelDir = p.value("model");
    const std::optional<Tokenizer> tokenizer = tokenizerIfPresent(modelDir);
    if (!tokenizer)
        throw UsageError("eval: " + (modelDir / "tokenizer.json").string() + " not found; answers are scored as text");
    const std::filesystem::path data = p.value("data");
    const std::string dataBytes = readFileBytes(data, "--data");
    std::vector<EvalExample> examples = parseEvalJsonl(dataBytes, data.string());
    if (p.has("limit")) {
        const int limit = p.intValue("limit");
        if (limit < 1)
            throw UsageError("--limit: expected N ≥ 1, got " + p.value("limit"));
        if (static_cast<std::size_t>(limit) < examples.size())
            examples.resize(static_cast<std::size_t>(limit));
    }

    EvalRunConfig config;
    config.full = false;
    for (const std::string& m : splitList(p.value("methods"))) {
        if (m == "full")
            config.full = true;
        else
            config.methods.push_back(parseAllocationMethod(m));
    }
    for (int b : parseIntList(p.value("budgets"), "--budgets"))
        config.budgets.push_back(b);
    config.params.window = p.intValue("window");
    config.params.beta = p.doubleValue("beta");
    config.params.temp = p.doubleValue("temp");
    config.params.adaFloorAlpha = p.doubleValue("floor-alpha");
    config.compression = *compressionFromArgs(p, BudgetPlan{});
    if (p.has("scores"))
        config.scores = loadScores(p);
    if (p.has("template") && p.has("template-file"))
        throw UsageError("eval: give --template or --template-file, not both");
    if (p.has("template"))
        config.prompt.promptTemplate = p.value("template");
    if (p.has("template-file"))
        config.prompt.promptTemplate = readFileBytes(p.value("template-file"), "--template-file");
    config.prompt.chat = p.has("chat");
    if (p.has("max-length"))
        config.prompt.maxLength = p.intValue("max-length");
    if (p.has("max-new-tokens"))
        config.maxNewTokens = p.intValue("max-new-tokens");
    if (p.has("metric"))
        config.metric = parseEvalMetric(p.value("metric"));
    config.stopAtNewline = p.has("stop-at-newline");
    config.out = p.value("out");
    config.resume = p.has("resume");
    std::tie(config.shardIndex, config.shardCount) = parseShard(p.value("shard"));
    config.bootstrapSeed = std::stoull(p.value("seed"));

    nlohmann::ordered_json fields;
    fields["model"] = modelDir.string();
    fields["tokenizer_sha256"] = tokenizer->sha256();
    fields["data"] = data.string();
    fields["data_sha256"] = sha256Hex(dataBytes);
    fields["limit"] = p.has("limit") ? nlohmann::ordered_json(p.intValue("limit")) : nlohmann::ordered_json(nullptr);
    fields["dtype"] = p.value("dtype");
    config.manifestFieldsJson = fields.dump();

    Engine engine;
    engine.load(modelDir, loadOptionsFromArgs(p));
    InterruptGuard interrupt;
    std::fprintf(stderr, "eval: %zu examples × %zu configurations on %s\n", examples.size(),
                 evalConfigs(config.full, config.methods, config.budgets).size(), engine.deviceDescription().c_str());
    const bool terminal = isatty(fileno(stderr)) != 0;
    EvalRunSummary s;
    try {
        s = runEval(
            engine, *tokenizer, examples, config,
            [terminal](const EvalProgress& pr) {
                // A terminal gets one line rewritten in place, a log file a line per tenth of the work.
                if (terminal)
                    std::fprintf(stderr, "\r[%d/%d] examples %d/%d  %.0fs elapsed, ETA %.0fs  %-40s", pr.done, pr.total,
                                 pr.examplesDone, pr.examplesTotal, pr.elapsedSeconds, pr.etaSeconds, pr.label.c_str());
                else if (pr.done == pr.total || (pr.done * 10 / pr.total) != ((pr.done - 1) * 10 / pr.total))
                    std::fprintf(stderr, "[%d/%d] %.0fs elapsed, ETA %.0fs  %s\n", pr.done, pr.total, pr.elapsedSeconds,
                                 pr.etaSeconds, pr.label.c_str());
            },
            interrupt.token());
        if (terminal)
            std::fprintf(stderr, "\n");
    } catch (const CancelledError&) {
        std::fprintf(stderr, "\neval: interrupted; finished examples are in %s (continue with --resume)\n",
                     config.out.c_str());
        return interrupt.exitCode();
    }
    const auto reader = EvalReader::open(config.out);
    exportIfAsked(p, reader->records(), reader->manifest());
    if (p.has("json")) {
        std::cout << evalSummaryJsonLine(s.rows, config.out.string()) << "\n";
    } else {
        printEvalSummary(s.rows);
        std::printf("\nwrote %s: %d examples this run, %d skipped (done before or in other shards), %.0f s\n",
                    config.out.c_str(), s.examplesWritten, s.examplesSkipped, s.seconds);
    }
    return 0;
}

int runEvalReport(const CommandArgs& args)
{
    ArgParser p("eval-report", "Summary of an eval results file (e.g. after merging shards), optionally exported.");
    p.positional("results.h5", "eval results file")
        .option("seed", "S", "bootstrap seed (default: the file's)")
        .option("disagreements", "N", "list up to N examples where a compressed cache scores unlike the full cache")
        .option("examples", "N", "print the first N examples: answers, each configuration's prediction and score")
        .option("export-kvpress", "DIR", "write kvpress-style folders (predictions.csv, metrics.json)")
        .option("kvpress-model", "NAME", "model name in the kvpress folder names (default: the file's model)")
        .flag("json", "print the summary as JSON");
    if (!p.parse(args))
        return 0;
    if (p.positionals().size() != 1)
        throw UsageError("eval-report: give one results file");
    const auto reader = EvalReader::open(p.positionals().front());
    const EvalManifest& m = reader->manifest();
    const uint64_t seed = p.has("seed") ? std::stoull(p.value("seed")) : m.bootstrapSeed;
    const auto rows = summarizeEval(reader->records(), m.configs, seed);
    exportIfAsked(p, reader->records(), m);
    if (p.has("json")) {
        std::cout << evalSummaryJsonLine(rows, p.positionals().front()) << "\n";
        return 0;
    }
    std::printf("%s: %zu of %d examples\n", p.positionals().front().c_str(), reader->records().size(), m.examplesTotal);
    printEvalSummary(rows);
    if (p.has("disagreements")) {
        std::printf("\n");
        printDisagreements(reader->records(), p.intValue("disagreements"));
    }
    if (p.has("examples")) {
        std::printf("\n");
        printExamples(reader->records(), p.intValue("examples"));
    }
    return 0;
}

} // namespace headscope::cli
