#pragma once
// Engine: the torch-free facade over the LibTorch decoder (headscope_engine).
// Used by headscope-cli directly and by the GUI through a worker QObject in app/.
//
// Threading: one Engine is used from one thread at a time (the worker that owns it).
// Cancellation: generate() checks the stop_token between prefill chunks and between
// decode steps and throws CancelledError when it is triggered.
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

enum class Device { Cpu, Cuda };
enum class DType { F32, BF16 };

std::string_view deviceName(Device device); // "cpu" | "cuda"
std::string_view dtypeName(DType dtype);     // "f32" | "bf16"

struct LoadOptions {
    Device device = Device::Cpu;
    int gpuIndex = 0;
    DType dtype = DType::F32;
    int threads = 0; // intra-op threads; 0 = the cores available to the process
};

struct HeadRef {
    int layer = 0;
    int head = 0; // query head
    friend bool operator==(const HeadRef&, const HeadRef&) = default;
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

class Engine {
public:
    Engine();
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Loads config.json + safetensors from a HF checkpoint directory. Throws LoadError /
    // FormatError naming the file and tensor; refuses pickle checkpoints.
    void load(const std::filesystem::path& checkpointDir, const LoadOptions& options = {});
    bool isLoaded() const;
    const ModelConfig& config() const;
    const LoadOptions& loadOptions() const;
    std::filesystem::path checkpointDir() const;
    std::string deviceDescription() const; // e.g. "cpu (2 threads), f32"
    int64_t weightBytes() const;

    // Greedy generation. The observer (may be null) sees the scored queries only.
    GenerateResult generate(std::span<const int32_t> promptIds, const GenerateOptions& options,
                            ForwardObserver* observer = nullptr, std::stop_token stop = {});

    // Logits for every position of `ids` in one uncached forward pass, [seq, vocab]
    // row-major. For tests and small prompts.
    std::vector<float> forwardLogits(std::span<const int32_t> ids);

    // Whether this build's LibTorch can use CUDA and a device is present.
    static bool cudaAvailable();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace headscope
