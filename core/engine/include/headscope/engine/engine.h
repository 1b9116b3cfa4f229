#pragma once
// Engine: the torch-free facade over the LibTorch decoder (headscope_engine), and the
// Generator (headscope/core/generator.h) that core's probe runner, comparisons and sweep drive.
// Used by headscope-cli directly and by the GUI through a worker QObject in app/.
//
// Threading: one Engine is used from one thread at a time (the worker that owns it).
// Cancellation: generate() checks the stop_token between prefill chunks and between
// decode steps and throws CancelledError when it is triggered.
#include "headscope/core/generator.h"
#include "headscope/core/memory_estimate.h"
#include "headscope/core/model_config.h"
#include "headscope/core/tensor_view.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

namespace headscope {

enum class Device { Cpu, Cuda };
enum class DType { F32, BF16 };

std::string_view deviceName(Device device); // "cpu" | "cuda"
std::string_view dtypeName(DType dtype);     // "f32" | "bf16"

struct LoadOptions {
    Device device = Device::Cpu;
    int gpuIndex = 0;
    std::optional<DType> dtype; // compute dtype; unset = the checkpoint's (defaultComputeDtype)
    int threads = 0;            // intra-op threads; 0 = the cores available to the process
    bool checkMemory = true;    // refuse loads and runs whose memory estimate exceeds what is available
    int64_t memoryLimit = 0;    // bytes the engine may use in all (weights included); 0 = what the machine has
};

// The compute dtype a checkpoint gets when none is asked for: config.json's torch_dtype
// (the stored dtype when it is absent) — bfloat16 → bf16, float32 → f32, and float16 → bf16
// (CPUs have fast bf16 but no fast f16 matrix products; f16's range would also need care).
// Softmax, norms' statistics, the observer's rows and every score stay float32 either way.
DType defaultComputeDtype(const ModelConfig& config, ElementType stored);

class Engine final : public Generator {
public:
    Engine();
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Loads config.json + safetensors from a HF checkpoint directory. Throws LoadError /
    // FormatError naming the file and tensor; refuses pickle checkpoints.
    void load(const std::filesystem::path& checkpointDir, const LoadOptions& options = {});
    bool isLoaded() const;
    const ModelConfig& config() const override;
    GeneratorIdentity identity() const override;
    const LoadOptions& loadOptions() const; // dtype resolved: always set once loaded
    DType computeDtype() const;
    std::filesystem::path checkpointDir() const;
    std::string deviceDescription() const; // e.g. "cpu (2 threads), bf16"
    int64_t weightBytes() const;           // in the compute dtype, each distinct tensor once
    int64_t mappedWeightBytes() const;     // of which used in place from the mapped files
    double loadSeconds() const;            // wall time of the last load()

    // The memory a generation over `context` positions needs (weights, KV cache, scratch).
    RunMemoryEstimate memoryEstimate(int64_t context, int64_t prefillChunk = 256) const;

    // Greedy generation. The observer (may be null) sees the scored queries only.
    GenerateResult generate(std::span<const int32_t> promptIds, const GenerateOptions& options,
                            ForwardObserver* observer = nullptr, std::stop_token stop = {}) override;

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
