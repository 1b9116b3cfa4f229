#pragma once
// Generator: the one seam between HeadScope's torch-free orchestration (probe runner,
// comparisons, budget sweep — all in headscope_core) and whatever runs the model. The
// LibTorch engine (headscope/engine/engine.h) implements it; tests implement it with a
// scripted fake, so the orchestration is tested without LibTorch.
//
// Threading: one Generator is used from one thread at a time.
// Cancellation: generate() checks the stop_token between prefill chunks and between decode
// steps and throws CancelledError when it fires.
#include "headscope/core/model_config.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

class ForwardObserver;
struct CompressionSpec; // headscope/core/compression.h

struct HeadRef {
    int layer = 0;
    int head = 0; // query head
    friend bool operator==(const HeadRef&, const HeadRef&) = default;
    friend auto operator<=>(const HeadRef&, const HeadRef&) = default;
};

struct GenerateOptions {
    int maxNewTokens = 32;
    bool stopAtEos = false;              // stop when a config EOS id is produced
    std::vector<int32_t> stopTokens;     // additional stop ids (e.g. newline)
    int64_t prefillChunk = 256;          // queries per block in prefill attention
    bool keepLogProbs = false;           // fill GenerateResult::stepLogProbs (for KL/top-1 comparisons)
    std::shared_ptr<const CompressionSpec> compression; // null: full cache; else SnapKV-style after prefill
    std::vector<HeadRef> maskedHeads;    // attention output of these query heads is zeroed
    // Teacher forcing: when non-empty, the token fed after step t is forcedTokens[t] instead of
    // the argmax, and generation runs at most forcedTokens.size() steps ignoring stop tokens.
    // generatedIds then holds the model's own top-1 prediction at every step.
    std::vector<int32_t> forcedTokens;
    std::function<void(int step, int32_t token)> onToken; // progress; called on the generating thread
};

struct GenerateResult {
    std::vector<int32_t> promptIds;
    std::vector<int32_t> generatedIds;
    double prefillMs = 0.0;
    double decodeMsPerToken = 0.0;
    int64_t kvBytes = 0;                           // physical bytes of K and V held after prefill
    bool stoppedOnToken = false;
    std::vector<std::vector<float>> stepLogProbs; // [steps][vocab] log-softmax, if keepLogProbs
    // For compressed runs: per layer, per stored head, the prompt positions kept (score order).
    std::vector<std::vector<std::vector<int32_t>>> keptPositions; // [layers][stored_heads][kept]
};

// Where a generator's model came from and how it runs, as recorded in session manifests.
struct GeneratorIdentity {
    std::filesystem::path checkpointDir; // empty for generators without a checkpoint (fakes)
    std::string device;                  // "cpu" | "cuda"
    std::string dtype;                   // compute dtype: "f32" | "bf16"
};

class Generator {
public:
    virtual ~Generator() = default;

    virtual const ModelConfig& config() const = 0;
    virtual GeneratorIdentity identity() const = 0;

    // Greedy generation from `promptIds`. The observer (may be null) sees the scored queries
    // only (headscope/core/forward_observer.h).
    virtual GenerateResult generate(std::span<const int32_t> promptIds, const GenerateOptions& options,
                                    ForwardObserver* observer = nullptr, std::stop_token stop = {}) = 0;
};

} // namespace headscope
