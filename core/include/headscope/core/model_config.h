#pragma once
// ModelConfig: what HeadScope needs from a Hugging Face config.json, with HF's field
// names in the comments. Architecture differences are data here (flags, enums and per-layer
// tables), never branches in the decoder. Parsed by core/config/, one small file per family
// (core/config/arch/); docs/architectures.md lists what each family sets.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class Architecture { Llama, Mistral, Qwen2, Qwen3, Gemma2, Gemma3, Phi3 };

// Upper bounds on layer and head counts (docs/input_limits.md), far above any published model.
// config.json is held to them, and so is every other input that carries a layer or head index
// (score files, budget files, sessions), before anything is sized from it.
inline constexpr int kMaxModelLayers = 1024;
inline constexpr int kMaxModelHeads = 1024;
inline constexpr int kMaxModelHeadDim = 1024;
// Positions (max_position_embeddings), and so any token count: a KV budget, a window.
inline constexpr int64_t kMaxModelPositions = int64_t(1) << 24;

enum class RopeScalingType { None, Linear, Llama3, LongRope };

struct RopeScaling {
    RopeScalingType type = RopeScalingType::None;
    double factor = 1.0;                          // "factor"; longrope: max_position / original
    double lowFreqFactor = 1.0;                   // "low_freq_factor" (llama3)
    double highFreqFactor = 4.0;                  // "high_freq_factor" (llama3)
    int64_t originalMaxPositionEmbeddings = 8192; // "original_max_position_embeddings" (llama3, longrope)
    // longrope (Phi-3 "su"/"longrope"): per-frequency divisors, rotaryDim / 2 each. The short
    // ones apply while the sequence fits originalMaxPositionEmbeddings, the long ones beyond.
    std::vector<double> shortFactor, longFactor;  // "short_factor", "long_factor"
    double attentionFactor = 1.0;                 // multiplies cos and sin ("attention_factor", or derived)
};

// One set of rotary parameters; a model has one per layer type.
struct RopeParameters {
    double theta = 10000.0;
    RopeScaling scaling;
};

// RMSNorm weight convention: Llama-style w · x̂, or Gemma-style (1 + w) · x̂ (weights stored
// centred on zero).
enum class NormStyle { Weight, OffsetWeight };

// The MLP gate activation: SiLU (SwiGLU) or GELU with the tanh approximation (GeGLU).
enum class Activation { Silu, GeluTanh };

// Full causal attention, or a sliding window (key j visible to query i iff i − j < window).
enum class LayerType { Full, Sliding };

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
    double ropeTheta = 10000.0;        // "rope_theta": full-attention layers
    RopeScaling ropeScaling;           // "rope_scaling" (null, {"rope_type":"llama3",...}, {"type":"linear",...})
    // Sliding layers' own RoPE base, unscaled (Gemma 3 "rope_local_base_freq"); unset: sliding
    // layers use ropeTheta and ropeScaling like the others.
    std::optional<double> localRopeTheta;
    double partialRotaryFactor = 1.0;  // "partial_rotary_factor": RoPE on the first dims only (Phi-4-mini 0.75)
    double rmsNormEps = 1e-6;          // "rms_norm_eps"
    bool tieWordEmbeddings = false;    // "tie_word_embeddings"
    bool attentionBias = false;        // q/k/v bias: Qwen2 always; Llama "attention_bias"
    std::optional<int64_t> slidingWindow; // "sliding_window": the window of Sliding layers
    // Per layer: full or sliding ("layer_types", "sliding_window_pattern", Mistral all,
    // Qwen "max_window_layers"). Empty means every layer is Full.
    std::vector<LayerType> layerTypes;
    std::optional<int32_t> bosTokenId;    // "bos_token_id"
    std::vector<int32_t> eosTokenIds;     // "eos_token_id", int or list
    std::string torchDtype;               // "torch_dtype" or "dtype", e.g. "bfloat16"

    // Decoder-block variations (data the one decoder reads; see docs/architectures.md).
    NormStyle normStyle = NormStyle::Weight;
    bool qkNorm = false;                  // RMSNorm over head_dim on each query/key head before RoPE (Qwen3, Gemma 3)
    bool sublayerOutputNorms = false;     // norms on the attention and MLP outputs before the residual add (Gemma 2/3)
    double embeddingMultiplier = 1.0;     // embeddings × this (Gemma: √hidden)
    std::optional<double> queryPreAttnScalar; // scores × this^-½ instead of head_dim^-½ (Gemma "query_pre_attn_scalar")
    std::optional<double> attnLogitSoftcap;   // scores → tanh(s / c) · c before the mask ("attn_logit_softcapping")
    std::optional<double> finalLogitSoftcap;  // logits → tanh(l / c) · c ("final_logit_softcapping")
    Activation activation = Activation::Silu; // "hidden_act" / Gemma "hidden_activation"

    // Where the decoder's tensors live: "model." for *ForCausalLM; a multimodal checkpoint's
    // text tower sits under its own prefix (Gemma 3: "language_model.model."). The lm_head name
    // goes with it. Components of the checkpoint that are deliberately not loaded (a vision
    // tower) are listed as tensor-name prefixes with a description.
    std::string weightPrefix = "model.";
    std::string lmHeadName = "lm_head.weight";
    struct SkippedComponent {
        std::string tensorPrefix;  // e.g. "vision_tower."
        std::string description;   // e.g. "vision tower (SigLIP)"
    };
    std::vector<SkippedComponent> skippedComponents;

    int64_t groupSize() const { return numKvHeads > 0 ? numHeads / numKvHeads : 1; }
    // Dims that rotate: int(head_dim × partial_rotary_factor), as HF truncates.
    int64_t rotaryDim() const { return static_cast<int64_t>(static_cast<double>(headDim) * partialRotaryFactor); }
    LayerType layerType(int64_t layer) const;
    // The layer's sliding window, 0 for full attention.
    int64_t layerWindow(int64_t layer) const;
    bool hasSlidingLayers() const;
    // RoPE of a layer: sliding layers use localRopeTheta (unscaled) when set.
    RopeParameters ropeFor(int64_t layer) const;
    double attentionScale() const; // queryPreAttnScalar^-½, else head_dim^-½
    // Total parameter count implied by the shapes (embeddings counted once when tied).
    int64_t parameterCount() const;
};

// Names of the supported HF architectures, for error messages and --help.
std::vector<std::string> supportedArchitectureNames();

// Parses config.json text. `source` names the file in error messages. Throws FormatError
// (bad JSON, missing/invalid key: names the key, expected and actual) or UsageError
// (unsupported architecture, or a field that changes the math HeadScope does not implement:
// names it).
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
    std::string nameOrPath; // "_name_or_path" when the file names the model, else empty
};
ModelHeadShape parseModelHeadShape(std::string_view jsonText, const std::string& source);

// Refuses dimensions beyond what any supported model uses (docs/input_limits.md: e.g. at most
// 1024 layers, vocab 2^24) or that do not fit together, naming the config.json key and value.
// parseModelConfig calls it; so does every other path that sizes a model from numbers.
void validateModelDimensions(const ModelConfig& config, const std::string& source);

// Serialises back to an HF-style config.json (used by make-test-model and fixtures).
std::string modelConfigToJson(const ModelConfig& config);

// "llama" | "mistral" | "qwen2" | "qwen3" | "gemma2" | "gemma3_text" | "phi3" (HF model_type)
std::string_view architectureLabel(Architecture arch);
// Parses a model_type or make-test-model name ("gemma3" is accepted for gemma3_text); throws
// UsageError listing the names.
Architecture parseArchitectureLabel(std::string_view label);

// "local (window 512, θ 10000) ×5: 0-4, 6-10; global ×2: 5, 11" — which layers slide; empty
// when every layer is full. Used by `info`, the model card and heatmap labels.
std::string describeLayerTypes(const ModelConfig& config);
// Layer index ranges as text: {0,1,2,4} → "0-2, 4".
std::string layerRangesText(const std::vector<int64_t>& layers);

} // namespace headscope
