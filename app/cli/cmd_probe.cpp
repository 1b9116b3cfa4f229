// headscope-cli probe: the needle-in-a-haystack head probe. Accepts DiliLazyKV's flags as
// written (--model_path --haystack_dir --min_len --max_len --context_intervals --gpu
// --top_k_infscore --depths) plus HeadScope's own. Progress with ETA on stderr; Ctrl-C stops
// between steps, discards the test in flight and leaves a valid session (--resume continues).
#include "arg_parser.h"
#include "commands.h"
#include "interrupt_guard.h"
#include "run_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/head_list.h"
#include "headscope/core/memory_estimate.h"
#include "headscope/core/probe_runner.h"
#include "headscope/engine/engine.h"

#include <cstdio>
#include <iostream>
#include <tuple>

namespace headscope::cli {

int runProbe(const std::vector<std::string>& args)
{
    ArgParser p("probe", "Needle-in-a-haystack probe: score every attention head, record an HDF5 session.");
    p.option("model_path", "DIR", "checkpoint directory", true);
    addHaystackOptions(p);
    p        .option("min_len", "N", "shortest context length (tokens)", false, "1000")
        .option("max_len", "N", "longest context length (tokens)", false, "4000")
        .option("context_intervals", "N", "number of lengths: round(linspace(min_len, max_len, N))", false, "3")
        .option("lengths", "L1,L2", "explicit context lengths (overrides min/max/intervals)")
        .option("depths", "D1,D2", "needle depths as fractions or percents, e.g. 0.1,0.5,0.9 or 10,50,90", false, "0.1,0.5,0.9")
        .option("needles", "FILE", "needles JSONL (needle, question, real_needle, answer); default: DiliLazyKV's three")
        .option("top_k_infscore", "K", "K of the InfScore top-K", false, "10")
        .option("mode", "all-steps|last-row", "score every decode step, or only the last prompt row (DiliLazyKV)", false, "all-steps")
        .option("max-new-tokens", "N", "greedy tokens per test", false, "32")
        .flag("stop-at-newline", "stop generating at a newline")
        .flag("stop-at-answer-length", "generate as many tokens as the answer has")
        .flag("chat", "wrap prompts in the model family's chat template")
        .option("template", "TEXT", "prompt template with {context} and {question}")
        .option("out", "SESSION.h5", "session file to write", true)
        .flag("resume", "continue an interrupted session, skipping finished tests")
        .flag("force", "replace an existing session at --out (replaced once the new one is created; never a file of "
                       "another kind)")
        .option("mask-heads", "L-H,...", "zero these query heads' attention output in every test (an ablation; "
                                          "recorded in the manifest as masked_heads)")
        .flag("no-write-scores", "skip the write-aware scores (write, write_needle: each head's contribution to the "
                                 "answer token's logit)")
        .option("store-rows", "IDS|all", "also store these tests' complete attention rows (float16; "
                                         "steps × layers × heads × length × 2 bytes each)")
        .option("shard", "i/n", "run only tests i, i+n, i+2n, … (merge shards with `merge`)", false, "0/1");
    addLoadOptions(p);
    if (!p.parse(args))
        return 0;

    ProbeRequest request;
    request.haystack = haystackFromArgs(p, "probe");
    if (p.has("lengths"))
        request.lengths = parseLengths(p.value("lengths"), "--lengths");
    else
        request.lengths = linspaceLengths(p.intValue("min_len"), p.intValue("max_len"), p.intValue("context_intervals"));
    request.depths = parseDepths(p.value("depths"));
    if (p.has("needles"))
        request.needles = loadNeedles(p.value("needles"));
    request.topK = p.intValue("top_k_infscore");
    request.mode = parseScoringMode(p.value("mode"));
    request.maxNewTokens = p.intValue("max-new-tokens");
    request.stopAtNewline = p.has("stop-at-newline");
    request.stopAtAnswerLength = p.has("stop-at-answer-length");
    request.chat = p.has("chat");
    if (p.has("template"))
        request.promptTemplate = p.value("template");
    request.out = p.value("out");
    request.resume = p.has("resume");
    request.replace = p.has("force");
    if (p.has("mask-heads"))
        request.maskedHeads = parseHeadList(p.value("mask-heads"), "--mask-heads");
    request.writeScores = !p.has("no-write-scores");
    if (p.has("store-rows")) {
        const StoreRowsChoice rows = parseStoreRows(p.value("store-rows"), "--store-rows");
        request.storeRowsOfAll = rows.all;
        request.storeRowsOf = rows.ids;
    }
    std::tie(request.shardIndex, request.shardCount) = parseShard(p.value("shard"));
    request.validate(); // before the model is loaded
    request.validateOutput();

    Engine engine;
    engine.load(p.value("model_path"), loadOptionsFromArgs(p));
    const Tokenizer tokenizer = Tokenizer::fromDirectory(p.value("model_path"));

    InterruptGuard interrupt;
    ProbeRunner runner(engine, tokenizer);
    for (const std::string& warning : probeWarnings(request, engine.config()))
        std::cerr << "probe: warning: " << warning << "\n";
    std::cerr << "probe: " << request.describeGrid() << " on " << engine.deviceDescription() << "\n";
    const std::string dtype(dtypeName(engine.computeDtype()));
    try {
        const ProbeSummary s = runner.run(
            request,
            [&dtype](const ProbeProgress& pr) {
                const int width = 30, filled = pr.total ? width * pr.done / pr.total : width;
                std::fprintf(stderr,
                             "\r[%s%s] %d/%d  %.0fs elapsed, ETA %.0fs  %s, peak %s  (last: len %d depth %.2f rouge1 %.0f)   ",
                             std::string(static_cast<std::size_t>(filled), '#').c_str(),
                             std::string(static_cast<std::size_t>(width - filled), '.').c_str(), pr.done, pr.total,
                             pr.elapsedSeconds, pr.etaSeconds, dtype.c_str(), formatBytes(peakResidentBytes()).c_str(),
                             pr.last.length, pr.last.depth, pr.last.rouge1Recall);
            },
            interrupt.token());
        std::fprintf(stderr, "\n");
        std::cout << "wrote " << request.out.string() << ": " << s.testsWritten << " tests scored, " << s.testsFailed
                  << " failed, " << s.testsSkipped << " skipped, " << s.seconds << " s\n";
    } catch (const CancelledError&) {
        std::fprintf(stderr, "\nprobe: interrupted; finished tests are in %s (continue with --resume)\n", request.out.c_str());
        return interrupt.exitCode();
    } catch (const Error&) {
        std::fprintf(stderr, "\n"); // end the progress line before the error
        throw;
    }
    return 0;
}

} // namespace headscope::cli
