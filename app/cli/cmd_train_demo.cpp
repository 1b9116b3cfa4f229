// headscope-cli train-demo-model: trains the small bundled demo model (resources/demo_model) on synthetic
// needle documents, on CPU, and writes it as an ordinary HF checkpoint directory.
#include "arg_parser.h"
#include "commands.h"
#include "output_args.h"
#include "interrupt_guard.h"

#include "headscope/engine/demo_trainer.h"
#include "headscope/core/errors.h"

#include <cstdio>
#include <malloc.h>
#include <iostream>
#include <sstream>

namespace headscope::cli {

int runTrainDemo(const std::vector<std::string>& args)
{
    ArgParser p("train-demo-model", "Train HeadScope's small demo model on synthetic needle documents (CPU).");
    addOutputOptions(p, "DIR", "checkpoint directory to write");
    p.option("seed", "S", "seed for weights and data", false, "1")
        .option("init", "DIR", "continue from this checkpoint's weights (same shape)")
        .option("steps", "N", "optimizer steps (the schedule spans them)", false, "2300")
        .option("minutes", "M", "wall-clock limit; training stops at the first step past it", false, "28.5")
        .option("layers", "L", "decoder layers", false, "4")
        .option("hidden", "H", "hidden size", false, "128")
        .option("heads", "A", "query heads", false, "8")
        .option("kv-heads", "K", "key/value heads", false, "2")
        .option("intermediate", "I", "MLP size", false, "384")
        .option("tokens-per-step", "T", "tokens per optimizer step", false, "2048")
        .option("short-lengths", "A-B", "curriculum phase 1 lengths", false, "96-384")
        .option("long-lengths", "A-B", "phase 2 lengths (the probe's)", false, "384-1024")
        .option("short-fraction", "F", "share of steps in phase 1", false, "0.4")
        .option("repeat-share", "F", "phase 1: share of repeated-sequence warm-up documents", false, "0.5")
        .option("lr", "X", "peak learning rate", false, "0.003")
        .option("attention-supervision", "W", "weight of the retrieval/previous-token attention loss (0: off)", false, "1")
        .option("supervision-until", "F", "share of steps after which attention supervision has faded out", false,
                "0.75")
        .option("retrieval-heads", "L.H,...", "heads taught to retrieve (default: layers/2 head 0, last layer head heads/2)")
        .option("threads", "N", "intra-op threads (0 = all cores)", false, "0")
        .option("eval-every", "N", "steps between held-out evaluations", false, "100");
    if (!p.parse(args))
        return 0;
    // Checked before training starts; the checkpoint is written to a staging directory and
    // swapped into place at the end, so an interrupted or failed run keeps what was there.
    const auto out = outputFromArgs(p, OutputKind::Checkpoint);
    auto range = [&](const char* name, int64_t& lo, int64_t& hi) {
        const std::string v = p.value(name);
        const auto dash = v.find('-');
        if (dash == std::string::npos)
            throw UsageError(std::string("--") + name + ": expected A-B, got '" + v + "'");
        const std::string a = v.substr(0, dash), b = v.substr(dash + 1);
        if (a.empty() || b.empty() || a.find_first_not_of("0123456789") != std::string::npos ||
            b.find_first_not_of("0123456789") != std::string::npos || a.size() > 9 || b.size() > 9)
            throw UsageError(std::string("--") + name + ": expected A-B with integers A and B, got '" + v + "'");
        lo = std::stoll(a);
        hi = std::stoll(b);
        if (lo < 16 || hi < lo)
            throw UsageError(std::string("--") + name + ": expected 16 ≤ A ≤ B, got '" + v + "'");
    };
    DemoTrainOptions o;
    o.outDir = out->staging();
    o.seed = parseSeed(p.value("seed"), "--seed");
    if (p.has("init"))
        o.initFrom = p.value("init");
    o.maxSteps = p.intValue("steps", 1, 100'000'000);
    o.maxMinutes = p.doubleValue("minutes", 0.0, 1e6);
    o.layers = p.intValue("layers", 1, 1000);
    o.hidden = p.intValue("hidden", 1, 1'000'000);
    o.heads = p.intValue("heads", 1, 10000);
    o.kvHeads = p.intValue("kv-heads", 1, 10000);
    o.intermediate = p.intValue("intermediate", 1, 10'000'000);
    o.tokensPerStep = p.intValue("tokens-per-step", 1, 100'000'000);
    range("short-lengths", o.shortMinLen, o.shortMaxLen);
    range("long-lengths", o.longMinLen, o.longMaxLen);
    o.shortFraction = p.doubleValue("short-fraction", 0.0, 1.0);
    o.repeatShare = p.doubleValue("repeat-share", 0.0, 1.0);
    o.learningRate = p.doubleValue("lr", 0.0, 10.0);
    o.attentionSupervision = p.doubleValue("attention-supervision", 0.0, 1e6);
    o.supervisionUntil = p.doubleValue("supervision-until", 0.0, 1.0);
    if (p.has("retrieval-heads")) {
        std::istringstream list(p.value("retrieval-heads"));
        for (std::string item; std::getline(list, item, ',');) {
            const auto dot = item.find('.');
            if (dot == std::string::npos || dot == 0 || dot + 1 == item.size() ||
                item.find_first_not_of("0123456789.") != std::string::npos)
                throw UsageError("--retrieval-heads: expected LAYER.HEAD[,LAYER.HEAD...], got '" + item + "'");
            o.retrievalHeads.emplace_back(std::stoll(item.substr(0, dot)), std::stoll(item.substr(dot + 1)));
        }
    }
    o.threads = p.intValue("threads", 0, 4096);
    o.evalEvery = p.intValue("eval-every", 1, 100'000'000);
    o.log = [](const std::string& line) { std::cerr << line << std::endl; };

    // Every step allocates and frees the same large activation buffers. Above glibc's mmap
    // threshold each free returns them to the kernel and the next step page-faults them back in
    // (sys time was 40 % of a step); keep them on the heap. Process-wide, so it is set here in
    // the command, not in the library.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    InterruptGuard interrupt;
    try {
        const DemoTrainResult r = trainDemoModel(o, interrupt.token());
        out->commit();
        std::cout << "wrote " << p.value("out") << ": " << r.steps << " steps in " << r.minutes
                  << " min, loss " << r.finalLoss << ", held-out loss " << r.initialHeldOutLoss << " -> "
                  << r.finalHeldOutLoss << ", held-out answer accuracy (teacher-forced) "
                  << r.finalAnswerAccuracy << "\n";
    } catch (const CancelledError&) {
        std::cerr << "train-demo-model: interrupted; no weights written\n";
        return interrupt.exitCode();
    }
    return 0;
}

} // namespace headscope::cli
