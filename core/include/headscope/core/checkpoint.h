#pragma once
// A Hugging Face checkpoint directory: config.json plus safetensors (single file or sharded
// with model.safetensors.index.json), memory-mapped. Every tensor's dtype and shape is
// checked against the config when the checkpoint is opened. Implemented in
// core/safetensors/ and core/config/ (headscope_core; no torch).
#include "headscope/core/model_config.h"
#include "headscope/core/tensor_view.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace headscope {

// One memory-mapped .safetensors file with a fully bounds-checked header.
class SafetensorsFile {
public:
    // Throws LoadError (cannot open/map, truncated) or FormatError (bad header JSON, header
    // length past the end, offsets out of range or overlapping, unknown dtype, size/shape
    // mismatch), naming the file and tensor.
    static std::unique_ptr<SafetensorsFile> open(const std::filesystem::path& path);
    ~SafetensorsFile();

    const std::vector<TensorView>& tensors() const;
    const TensorView* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const;
    const std::filesystem::path& path() const;

private:
    SafetensorsFile();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// HF tensor names of a checkpoint, from the per-architecture table (core/config/arch/).
// Empty names are tensors the architecture does not have. Fused projections (Phi-3) name
// qkvProj / gateUpProj instead of the separate ones; the engine splits them at load time.
struct LayerTensorNames {
    std::string inputNorm, qProj, kProj, vProj, oProj;   // weights
    std::string qkvProj;                                 // fused [q | k | v] rows, else empty
    std::string qBias, kBias, vBias;                     // empty unless config.attentionBias
    std::string qNorm, kNorm;                            // per-head RMSNorm weights [head_dim] (config.qkNorm)
    std::string attnOutNorm;                             // norm of the attention output (config.sublayerOutputNorms)
    std::string mlpInputNorm;                            // the norm feeding the MLP
    std::string mlpOutNorm;                              // norm of the MLP output (config.sublayerOutputNorms)
    std::string gateProj, upProj, downProj;
    std::string gateUpProj;                              // fused [gate | up] rows, else empty
};
struct TensorNames {
    std::string embedTokens, finalNorm, lmHead;          // lmHead empty when embeddings are tied
    std::vector<LayerTensorNames> layers;
};
TensorNames tensorNamesFor(const ModelConfig& config);

struct ExpectedTensor {
    std::string name;
    std::vector<int64_t> shape;
};
// Every tensor the config implies, with its shape, in a stable order.
std::vector<ExpectedTensor> expectedTensors(const ModelConfig& config);

class Checkpoint {
public:
    // Opens DIR/config.json and the weights. Refuses pickle checkpoints (.bin/.pt/.pth) with
    // an explanation. Throws LoadError/FormatError naming file, tensor, expected and actual.
    static Checkpoint open(const std::filesystem::path& dir);

    Checkpoint(Checkpoint&&) noexcept;
    Checkpoint& operator=(Checkpoint&&) noexcept;
    ~Checkpoint();

    const ModelConfig& config() const;
    const std::filesystem::path& directory() const;
    std::vector<std::filesystem::path> weightFiles() const;
    const TensorView& tensor(const std::string& name) const; // throws LoadError if missing
    bool has(const std::string& name) const;
    std::vector<std::string> tensorNames() const;
    int64_t weightBytes() const;
    ElementType storedDtype() const; // dtype of the embedding table

    // Parts of a multimodal checkpoint deliberately not loaded (ModelConfig::skippedComponents),
    // one entry per description with the tensors and bytes found under its prefixes.
    struct SkippedPart {
        std::string description; // e.g. "vision tower (SigLIP)"
        int64_t tensors = 0;
        int64_t bytes = 0;
    };
    std::vector<SkippedPart> skippedParts() const;

private:
    Checkpoint();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// --- Writing (make-test-model, fixtures, the demo model) ---

struct TensorToWrite {
    std::string name;
    ElementType dtype = ElementType::F32; // F32, BF16 or F16; values are converted on write
    std::vector<int64_t> shape;
    std::vector<float> values;            // row-major, numel(shape) values
};

// Writes one .safetensors file (header, 8-byte aligned data) atomically (temp + rename).
void writeSafetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct TestModelSpec {
    Architecture architecture = Architecture::Llama;
    int64_t layers = 2, hidden = 64, heads = 4, kvHeads = 2, intermediate = 128;
    int64_t vocab = 256;            // ignored when tokenizerDir is set (tokenizer's vocab size)
    std::optional<int64_t> headDim; // default hidden / heads
    bool tieEmbeddings = false;
    int shards = 1;                 // >1 writes model-0000i-of-0000n.safetensors + index
    uint64_t seed = 0;
    ElementType dtype = ElementType::F32;
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;        // longrope: short/long factors and originalMaxPositionEmbeddings
    int64_t maxPositionEmbeddings = 131072;
    // Sliding layers: the window, and which layers slide. Unset layerTypes: the family's
    // default (Mistral/Phi-3 all; Qwen all from max_window_layers 0; Gemma 2 even layers;
    // Gemma 3 five of six).
    std::optional<int64_t> slidingWindow;
    std::vector<LayerType> layerTypes;
    // Family knobs; unset means transformers' default for the family.
    std::optional<double> attnLogitSoftcap, finalLogitSoftcap, queryPreAttnScalar; // Gemma
    std::optional<double> localRopeTheta;  // Gemma 3 rope_local_base_freq
    double partialRotaryFactor = 1.0;      // Phi-3 family
    // Gemma 3 only: the Gemma3ForConditionalGeneration layout (config under text_config,
    // weights under language_model.model., and a stand-in vision tower that is not loaded).
    bool multimodal = false;
    std::filesystem::path tokenizerDir; // copies tokenizer.json (+ tokenizer_config.json) if set
    // Without tokenizerDir: write a byte-level tokenizer.json (256 byte tokens plus BOS/EOS,
    // no merges) so text prompts work offline; vocab becomes max(vocab, 258).
    bool byteTokenizer = false;
};

// Random-weight checkpoint in genuine HF layout, deterministic for a seed.
void writeTestModel(const TestModelSpec& spec, const std::filesystem::path& outDir);

} // namespace headscope
