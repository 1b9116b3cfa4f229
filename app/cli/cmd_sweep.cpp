// headscope-cli sweep: needle accuracy of each allocation method at several KV budgets against
// the full cache (accuracy vs budget, the DiliLazyKV/HeadKV papers' main figure) → HDF5.
#include "arg_parser.h"
#include "commands.h"
#include "output_args.h"
#include "run_args.h"

#include "headscope/core/budget_sweep.h"
#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"
#include "headscope/core/session.h"
#include "headscope/core/sha256.h"
#include "headscope/core/sweep_shards.h"
#include "headscope/engine/engine.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <tuple>

#include <unistd.h>

namespace headscope::cli {

namespace {

std::vector<SweepTest> testsFromSession(const SessionReader& reader, const std::string& path)
{
    if (reader.manifest().mode == "imported")
        throw UsageError("sweep: " + path + " was imported from a score file and holds no prompts to replay; give a probe "
                         "session, or build the tests with --lengths and a haystack and pass the scores with --scores");
    const std::vector<Needle> needles = parseNeedles(reader.manifest().needlesJsonl, path + " /manifest needles");
    std::vector<SweepTest> tests;
    for (const SessionTest& t : reader.tests()) {
        if (t.status != "ok")
            continue;
        if (t.needleIndex < 0 || t.needleIndex >= static_cast<int>(needles.size()))
            throw FormatError(path + ": test " + std::to_string(t.id) + " names needle " + std::to_string(t.needleIndex) +
                              ", the manifest has " + std::to_string(needles.size()));
        SweepTest s;
        s.info = {t.id, t.length, t.depth, t.needleIndex, t.promptLength};
        s.promptIds = reader.promptIds(t.id);
        s.needle = needles[static_cast<std::size_t>(t.needleIndex)];
        tests.push_back(std::move(s));
    }
    return tests;
}

std::vector<SweepTest> testsFromGrid(const ArgParser& p, const Tokenizer& tokenizer, std::string* description)
{
    ProbeRequest grid;
    grid.haystack = haystackFromArgs(p, "sweep (without --session)");
    if (!p.has("lengths"))
        throw UsageError("sweep: without --session give --lengths L1,L2,…");
    grid.lengths = parseLengths(p.value("lengths"), "--lengths");
    grid.depths = parseDepths(p.value("depths"));
    if (p.has("needles"))
        grid.needles = loadNeedles(p.value("needles"));
    grid.out = p.value("out");
    const PreparedProbe prepared = prepareProbe(grid, tokenizer);
    *description = "grid " + prepared.request.haystack.describe();
    return buildNeedleGrid(prepared, tokenizer);
}

void printTable(const SweepResults& r)
{
    std::printf("\nneedle accuracy, mean over %zu tests: ROUGE-1 recall of real_needle ×100 (qa-F1 ×100)\n", r.tests.size());
    std::printf("full cache    %.1f (%.1f)\n\n%-12s", r.fullMeanRouge1(), r.fullMeanQaF1(), "method");
    for (int64_t b : r.budgets)
        std::printf("  %15s", ("C=" + std::to_string(b)).c_str());
    std::printf("\n");
    for (std::size_t m = 0; m < r.methods.size(); ++m) {
        std::printf("%-12s", r.methods[m].c_str());
        for (std::size_t b = 0; b < r.budgets.size(); ++b)
            std::printf("  %6.1f (%6.1f)", r.meanRouge1(m, b), r.meanQaF1(m, b));
        std::printf("\n");
    }
    double full = 0.0;
    for (const auto& o : r.full)
        full += static_cast<double>(o.kvBytes);
    std::printf("%-12s", "KV bytes");
    for (std::size_t b = 0; b < r.budgets.size(); ++b) {
        double s = 0.0;
        for (std::size_t t = 0; t < r.tests.size(); ++t)
            s += static_cast<double>(r.at(0, b, t).kvBytes);
        std::printf("  %14.1f%%", 100.0 * s / full);
    }
    std::printf("  of the full cache (%s)\n", r.methods[0].c_str());
}

} // namespace

int runSweep(const std::vector<std::string>& args)
{
    ArgParser p("sweep", "Needle accuracy vs KV budget for each allocation method, against the full cache.");
    p.option("model", "DIR", "checkpoint directory (with tokenizer.json)", true)
        .option("methods", "M1,M2", allocationMethodNames(), false, "uniform,pyramid,headkv,dililazykv")
        .option("budgets", "C1,C2", "base capacities per head (window included)", false, "64,128,256")
        .option("session", "S.h5", "probe session: its tests are replayed and its scores feed headkv/dililazykv")
        .option("metric", "NAME", "session metric for the scores", false, "inf")
        .option("gate", "rouge1|qaf1|none", "session gate before averaging the scores", false, "none")
        .option("threshold", "X", "gate threshold", false, "50")
        .option("scores", "FILE.json", "head-score file for headkv/dililazykv (instead of the session's)");
    addHaystackOptions(p); // used without --session
    p        .option("lengths", "L1,L2", "without --session: context lengths")
        .option("depths", "D1,D2", "without --session: needle depths", false, "0.1,0.5,0.9")
        .option("needles", "FILE", "without --session: needles JSONL (default: DiliLazyKV's three)")
        .option("window", "W", "observation window for every method", false, "8")
        .option("beta", "B", "headkv/dililazykv pool parameter", false, "1.5")
        .option("temp", "T", "score exponent", false, "1")
        .option("floor-alpha", "A", "adakv floor", false, "0.2")
        .option("max-new-tokens", "N", "answer tokens per test", false, "32")
        .flag("stop-at-newline", "end each answer at its first newline")
        .option("shard", "i/n", "run only tests i, i+n, i+2n, … of the sweep (join the shards with `merge`)", false, "0/1")
        .flag("resume", "the results file is written when the sweep ends: if --out already holds this very sweep "
                        "(shard), do nothing; if it holds another, fail naming the setting that differs");
    addOutputOptions(p, "results.h5", "write the results here");
    addCompressionOptions(p);
    addLoadOptions(p);
    p.flag("json", "print the table as JSON")
        .note("Tests: --session S.h5 (replays its prompts) or --lengths with a haystack option (builds the grid).");
    if (!p.parse(args))
        return 0;
    const bool resume = p.has("resume");
    if (resume && p.has("force"))
        throw UsageError("sweep: --resume keeps the results in --out, --force replaces them; give one or the other");
    // With --resume an existing --out is checked against this run below instead of refused here.
    const auto out = resume ? nullptr : outputFromArgs(p, OutputKind::SweepResults);

    const std::filesystem::path modelDir = p.value("model");
    const std::optional<Tokenizer> tokenizer = tokenizerIfPresent(modelDir);
    if (!tokenizer)
        throw UsageError("sweep: " + (modelDir / "tokenizer.json").string() + " not found; answers are scored as text");

    SweepConfig config;
    config.methods = parseAllocationMethods(p.value("methods"));
    for (int b : parseIntList(p.value("budgets"), "--budgets")) {
        if (b < 1)
            throw UsageError("--budgets: capacities are >= 1 token, got " + std::to_string(b));
        config.budgets.push_back(b);
    }
    config.params.window = p.intValue("window", 0, 100'000'000);
    config.params.beta = p.doubleValue("beta");
    config.params.temp = p.doubleValue("temp");
    config.params.adaFloorAlpha = p.doubleValue("floor-alpha", 0.0, 1.0);
    config.compression = *compressionFromArgs(p, BudgetPlan{});
    config.generation.maxNewTokens = p.intValue("max-new-tokens", 1, 1'000'000);
    config.generation.stopAtEos = true;
    std::tie(config.shardIndex, config.shardCount) = parseShard(p.value("shard"));
    validateSweepParams(config); // before any test is built or generated
    if (p.has("stop-at-newline"))
        config.generation.stopTokens = tokenizer->encode("\n");

    nlohmann::ordered_json manifest;
    manifest["model"] = modelDir.string();
    std::vector<SweepTest> tests;
    if (p.has("session")) {
        // The session's tests are the tests: options that build a grid would be ignored.
        for (const char* grid : {"lengths", "depths", "needles", "haystack_dir", "synthetic-haystack", "seed"})
            if (p.given(grid))
                throw UsageError("sweep: --" + std::string(grid) + " builds a grid of tests, but --session replays the "
                                 "session's own tests; give one or the other");
        const std::string path = p.value("session");
        const auto reader = SessionReader::open(path);
        tests = testsFromSession(*reader, path);
        SessionQuery q;
        q.metric = parseHeadMetric(p.value("metric"));
        q.gate = parseGate(p.value("gate"));
        q.threshold = p.doubleValue("threshold");
        const bool scoresFromSession =
            !p.has("scores") && std::any_of(config.methods.begin(), config.methods.end(), needsHeadScores);
        // When the session's scores drive a method, a metric it does not hold or a gate that
        // passes nothing is an error saying so, not a sweep without those methods' scores.
        SessionAggregate a = scoresFromSession ? reader->aggregateStrict(q) : reader->aggregate(q);
        if (a.testsAccepted > 0)
            config.scores = std::move(a.mean);
        manifest["tests"] = "session " + path;
        manifest["scores"] = "session " + path + " metric=" + p.value("metric") + " gate=" + p.value("gate") +
                             " threshold=" + p.value("threshold") + " accepted=" + std::to_string(a.testsAccepted);
    } else {
        std::string description;
        tests = testsFromGrid(p, *tokenizer, &description);
        manifest["tests"] = description;
        // What makes the grid, so that shards of different grids are told apart.
        manifest["lengths"] = p.value("lengths");
        manifest["depths"] = p.value("depths");
        manifest["needles"] = p.has("needles") ? p.value("needles") : std::string("default");
    }
    if (p.has("scores")) {
        ImportedScores imported = importScoreFile(p.value("scores"));
        config.scores = std::move(imported.matrix);
        manifest["scores"] = "file " + p.value("scores");
    }
    if (tests.empty())
        throw UsageError("sweep: no usable tests");
    manifest["window"] = config.params.window;
    manifest["beta"] = config.params.beta;
    manifest["temp"] = config.params.temp;
    manifest["floor_alpha"] = config.params.adaFloorAlpha;
    manifest["compression"] = config.compression.describe();
    manifest["max_new_tokens"] = config.generation.maxNewTokens;
    if (resume) {
        // The run as it would be written, compared with what --out holds before any model is loaded.
        SweepResults expected;
        expected.manifestJson = manifest.dump();
        for (AllocationMethod m : config.methods)
            expected.methods.emplace_back(allocationMethodName(m));
        expected.budgets = config.budgets;
        expected.shardIndex = config.shardIndex;
        expected.shardCount = config.shardCount;
        expected.testsTotal = static_cast<int>(tests.size());
        checkSweepResume(p.value("out"), expected);
        std::printf("%s already holds this sweep (shard %d/%d, %lld of %zu tests); nothing to do\n", p.value("out").c_str(),
                    config.shardIndex, config.shardCount,
                    static_cast<long long>(sweepShardSize(expected.testsTotal, config.shardIndex, config.shardCount)),
                    tests.size());
        return 0;
    }

    Engine engine;
    engine.load(modelDir, loadOptionsFromArgs(p));
    manifest["device"] = engine.deviceDescription();
    const int64_t shardTests = sweepShardSize(static_cast<int64_t>(tests.size()), config.shardIndex, config.shardCount);
    std::fprintf(stderr, "sweep: ");
    if (config.shardCount > 1)
        std::fprintf(stderr, "shard %d/%d, ", config.shardIndex, config.shardCount);
    std::fprintf(stderr, "%lld of %zu tests × (1 + %zu methods × %zu budgets) generations on %s\n",
                 static_cast<long long>(shardTests), tests.size(), config.methods.size(), config.budgets.size(),
                 engine.deviceDescription().c_str());
    const bool terminal = isatty(fileno(stderr)) != 0;
    SweepResults results = runBudgetSweep(engine, *tokenizer, tests, config, [terminal](const SweepProgress& s) {
        // A log file gets a line per tenth of the work, a terminal one line rewritten in place.
        if (terminal)
            std::fprintf(stderr, "\r[%d/%d] %-40s%s", s.done, s.total, s.label.c_str(), s.done == s.total ? "\n" : "");
        else if (s.done == s.total || (s.done * 10 / s.total) != ((s.done - 1) * 10 / s.total))
            std::fprintf(stderr, "[%d/%d] %s\n", s.done, s.total, s.label.c_str());
    });
    results.manifestJson = manifest.dump();
    writeSweepResults(out->staging(), results);
    out->commit();

    if (p.has("json")) {
        nlohmann::ordered_json j;
        j["tests"] = results.tests.size();
        j["full"] = {{"rouge1", results.fullMeanRouge1()}, {"qa_f1", results.fullMeanQaF1()}};
        for (std::size_t m = 0; m < results.methods.size(); ++m)
            for (std::size_t b = 0; b < results.budgets.size(); ++b)
                j["methods"][results.methods[m]][std::to_string(results.budgets[b])] = {
                    {"rouge1", results.meanRouge1(m, b)}, {"qa_f1", results.meanQaF1(m, b)}};
        j["out"] = p.value("out");
        std::cout << j.dump() << "\n";
    } else {
        printTable(results);
        std::printf("wrote %s\n", p.value("out").c_str());
    }
    return 0;
}

} // namespace headscope::cli
