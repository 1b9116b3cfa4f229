// headscope-cli train-demo-model: trains the small bundled demo model (resources/demo_model) on synthetic
// needle documents, on CPU, and writes it as an ordinary HF checkpoint directory.
#include "arg_parser.h"
#include "commands.h"
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
    p.option("out", "DIR", "checkpoint directory to write", true)
        .option("seed", "S", "seed for weights and data", false, "1")
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
    auto range = [&](const char* name, int64_t& lo, int64_t& hi) {
        const std::string v = p.value(name);
        const auto dash = v.find('-');
        if (dash == std::string::npos)
            throw UsageError(std::string("--") + name + ": expected A-B, got '" + v + "'");
        lo = std::stoll(v.substr(0, dash));
        hi = std::stoll(v.substr(dash + 1));
        if (lo < 16 || hi < lo)
            throw UsageError(std::string("--") + name + ": expected 16 ≤ A ≤ B, got '" + v + "'");
    };
    DemoTrainOptions o;
    o.outDir = p.value("out");
    o.seed = static_cast<uint64_t>(p.intValue("seed"));
    if (p.has("init"))
        o.initFrom = p.value("init");
    o.maxSteps = p.intValue("steps");
    o.maxMinutes = p.doubleValue("minutes");
    o.layers = p.intValue("layers");
    o.hidden = p.intValue("hidden");
    o.heads = p.intValue("heads");
    o.kvHeads = p.intValue("kv-heads");
    o.intermediate = p.intValue("intermediate");
    o.tokensPerStep = p.intValue("tokens-per-step");
    range("short-lengths", o.shortMinLen, o.shortMaxLen);
    range("long-lengths", o.longMinLen, o.longMaxLen);
    o.shortFraction = p.doubleValue("short-fraction");
    o.repeatShare = p.doubleValue("repeat-share");
    o.learningRate = p.doubleValue("lr");
    o.attentionSupervision = p.doubleValue("attention-supervision");
    o.supervisionUntil = p.doubleValue("supervision-until");
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
    o.threads = p.intValue("threads");
    o.evalEvery = p.intValue("eval-every");
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
        std::cout << "wrote " << o.outDir.string() << ": " << r.steps << " steps in " << r.minutes
                  << " min, loss " << r.finalLoss << ", held-out loss " << r.initialHeldOutLoss << " -> "
                  << r.finalHeldOutLoss << ", held-out answer accuracy (teacher-forced) "
                  << r.finalAnswerAccuracy << "\n";
    } catch (const CancelledError&) {
        std::cerr << "train-demo-model: interrupted; no weights written\n";
        return 130;
    }
    return 0;
}

} // namespace headscope::cli
