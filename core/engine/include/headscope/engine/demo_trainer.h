#pragma once
// Training of HeadScope's bundled demo model (resources/demo_model): a small Llama-architecture model
// trained on CPU, from synthetic documents HeadScope generates, until its heads really
// retrieve needles. The result is an ordinary HF checkpoint directory (config.json,
// model.safetensors in bf16, tokenizer.json) that the shared decoder loads like any other.
#include "headscope/core/demo_corpus.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

struct DemoTrainOptions {
    std::filesystem::path outDir;
    std::filesystem::path initFrom;   // continue from this checkpoint's weights (same shape); empty: random
    uint64_t seed = 1;
    int64_t layers = 4, hidden = 128, heads = 8, kvHeads = 2, intermediate = 384;
    int64_t maxSteps = 2300;          // the learning-rate and supervision schedules span these
    double maxMinutes = 28.5;         // wall-clock cap (checked between steps)
    int64_t tokensPerStep = 2048;     // batch size × length (probe length semantics)
    int64_t shortMinLen = 96, shortMaxLen = 384;   // curriculum phase 1
    int64_t longMinLen = 384, longMaxLen = 1024;   // phase 2 (the probe's lengths)
    double shortFraction = 0.4;       // share of steps in phase 1
    double repeatShare = 0.5;         // phase 1: share of warm-up documents (makeRepeatExample)
    double learningRate = 3e-3;
    double answerLossWeight = 4.0;
    // Attention supervision (see README of resources/demo_model): weight of the loss that teaches
    // `retrievalHeads` (layer, head) to look at what is copied, and layer 0 head 0 to look at
    // the previous token; full until supervisionUntil − 0.2 of the steps, then fading to 0 at
    // supervisionUntil. Empty retrievalHeads: {layers/2, 0} and {layers−1, heads/2}. 0 disables.
    double attentionSupervision = 1.0;
    double supervisionUntil = 0.75;
    std::vector<std::pair<int64_t, int64_t>> retrievalHeads;
    int threads = 0;                  // 0 = all available cores
    int64_t evalEvery = 100;
    std::function<void(const std::string& line)> log;
};

struct DemoTrainResult {
    int64_t steps = 0;
    double minutes = 0.0;
    double finalLoss = 0.0;
    double finalAnswerAccuracy = 0.0; // teacher-forced, held-out examples, long lengths
    double initialHeldOutLoss = 0.0;  // next-token loss on the fixed held-out batch, before training
    double finalHeldOutLoss = 0.0;    // the same batch after training
};

// Writes config.json and the demo tokenizer (writeDemoTokenizer) into options.outDir, trains on documents
// from makeDemoExample (haystack: syntheticHaystack(seed + 1)), then writes the trained
// weights as model.safetensors (bf16, tied embeddings). Throws UsageError on bad options,
// CancelledError when stopped (model.safetensors is then removed: no untrained weights remain).
DemoTrainResult trainDemoModel(const DemoTrainOptions& options, std::stop_token stop = {});

} // namespace headscope
