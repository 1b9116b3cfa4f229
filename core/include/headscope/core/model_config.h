#pragma once
// ModelConfig: what HeadScope needs from a Hugging Face config.json, with HF's field
// names in the comments. Architecture differences are data here (flags and tables),
// never branches in the decoder. Parsed by core/config/, one small file per family.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class Architecture { Llama, Mistral, Qwen2 };

enum class RopeScalingType { None, Linear, Llama3 };

struct RopeScaling {
    RopeScalingType type = RopeScalingType::None;
    double factor = 1.0;                          // "factor"
    double lowFreqFactor = 1.0;                   // "low_freq_factor" (llama3)
    double highFreqFactor = 4.0;                  // "high_freq_factor" (llama3)
    int64_t originalMaxPositionEmbeddings = 8192; // "original_max_position_embeddings" (llama3)
};

struct ModelConfig {
    Architecture architecture = Architecture::Llama;
    std::string architectureName;      // "architectures"[0], e.g. "LlamaForCausalLM"
    int64_t vocabSize = 0;             // "vocab_size"
    int64_t hiddenSize = 0;            // "hidden_size"
    int64_t intermediateSize = 0;      // "intermediate_size"
    int64_t numLayers = 0;             // "num_hidden_layers"
    int64_t numHeads = 0;              // "num_attention_heads"  (query heads)
    int64_t numKvHeads = 0;            // "num_key_value_heads"  (defaults to numHeads)
    int64_t headDim = 0;               // "head_dim" (defaults to hidden / heads)
    int64_t maxPositionEmbeddings = 0; // "max_position_embeddings"
    double ropeTheta = 10000.0;        // "rope_theta"
    RopeScaling ropeScaling;           // "rope_scaling" (null, {"rope_type":"llama3",...}, {"type":"linear",...})
    double rmsNormEps = 1e-6;          // "rms_norm_eps"
    bool tieWordEmbeddings = false;    // "tie_word_embeddings"
    bool attentionBias = false;        // q/k/v bias: Qwen2 always; Llama "attention_bias"
    std::optional<int64_t> slidingWindow; // "sliding_window" (Mistral; Qwen2 only if use_sliding_window)
    std::optional<int32_t> bosTokenId;    // "bos_token_id"
    std::vector<int32_t> eosTokenIds;     // "eos_token_id", int or list
    std::string torchDtype;               // "torch_dtype", e.g. "bfloat16"

    int64_t groupSize() const { return numKvHeads > 0 ? numHeads / numKvHeads : 1; }
    // Total parameter count implied by the shapes (embeddings counted once when tied).
    int64_t parameterCount() const;
};

// Names of the supported HF architectures, for error messages and --help.
std::vector<std::string> supportedArchitectureNames();

// Parses config.json text. `source` names the file in error messages. Throws FormatError
// (bad JSON, missing/invalid key: names the key, expected and actual) or UsageError
// (unsupported architecture: lists the supported ones).
ModelConfig parseModelConfig(std::string_view jsonText, const std::string& source);
ModelConfig loadModelConfig(const std::filesystem::path& configJson);

// The head layout alone — num_hidden_layers, num_attention_heads, num_key_value_heads (default:
// the query-head count), read from the top level or, for multimodal checkpoints, "text_config" —
// for any architecture: score files are checked against models HeadScope cannot run. Same key
// errors as parseModelConfig.
struct ModelHeadShape {
    int64_t layers = 0;
    int64_t queryHeads = 0;
    int64_t kvHeads = 0;
};
ModelHeadShape parseModelHeadShape(std::string_view jsonText, const std::string& source);

// Serialises back to an HF-style config.json (used by make-test-model and fixtures).
std::string modelConfigToJson(const ModelConfig& config);

std::string_view architectureLabel(Architecture arch); // "llama" | "mistral" | "qwen2"

} // namespace headscope
