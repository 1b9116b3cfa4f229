#pragma once
// One entry per supported Hugging Face architecture: how its config.json differs from the
// Llama baseline and what its tensors are called. Architecture differences are data here;
// the decoder reads flags from ModelConfig and names from TensorNames, never the family.
#include "headscope/core/model_config.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace headscope::arch {

// Tensor names inside one decoder layer ("model.layers.N." + these), empty when absent.
// Fused projections are split at load time: qkv rows are [q | k | v], gate_up rows [gate | up].
struct LayerTensorTable {
    const char* inputNorm = "input_layernorm.weight";
    const char* qProj = "self_attn.q_proj.weight";
    const char* kProj = "self_attn.k_proj.weight";
    const char* vProj = "self_attn.v_proj.weight";
    const char* qkvProj = "";                         // fused q/k/v (Phi-3)
    const char* oProj = "self_attn.o_proj.weight";
    const char* qNorm = "self_attn.q_norm.weight";    // used when ModelConfig::qkNorm
    const char* kNorm = "self_attn.k_norm.weight";
    const char* attnOutNorm = "";                     // on the attention output (Gemma: post_attention_layernorm)
    const char* mlpInputNorm = "post_attention_layernorm.weight"; // before the MLP (Gemma: pre_feedforward_layernorm)
    const char* mlpOutNorm = "";                      // on the MLP output (Gemma: post_feedforward_layernorm)
    const char* gateProj = "mlp.gate_proj.weight";
    const char* upProj = "mlp.up_proj.weight";
    const char* gateUpProj = "";                      // fused gate/up (Phi-3)
    const char* downProj = "mlp.down_proj.weight";
};

// Where a checkpoint keeps the decoder: the prefix of embed_tokens/layers/norm and the
// lm_head name. A multimodal checkpoint has had more than one layout across HF versions.
struct WeightLayout {
    const char* prefix = "model.";
    const char* lmHead = "lm_head.weight";
};

struct ArchitectureSpec {
    Architecture architecture = Architecture::Llama;
    std::string hfClassName;  // "architectures"[0]
    std::string modelType;    // "model_type"
    // HF's config-class defaults for keys checkpoints may omit (JSON object text); merged under
    // the config before parsing. Keys present in the file, null included, win.
    const char* defaultsJson = "{}";
    // Multimodal checkpoints keep the language model's config under this key ("text_config");
    // empty for text-only classes.
    const char* textConfigKey = "";
    // The key naming the MLP activation: "hidden_act", or Gemma's "hidden_activation".
    const char* activationKey = "hidden_act";
    LayerTensorTable tensors;
    std::vector<WeightLayout> layouts = {WeightLayout{}};
    std::vector<ModelConfig::SkippedComponent> skipped; // multimodal towers not loaded
    // Reads the family's quirk fields (bias, sliding layers, norms, soft-caps...) after the
    // shared fields are parsed; refuses, by name, fields that change the math and are not implemented.
    void (*applyQuirks)(const nlohmann::json& config, ModelConfig& out, const std::string& source) = nullptr;
    // Writes them back for modelConfigToJson.
    void (*writeQuirks)(const ModelConfig& config, nlohmann::json& out) = nullptr;
};

const ArchitectureSpec& llamaSpec();
const ArchitectureSpec& mistralSpec();
const ArchitectureSpec& qwen2Spec();
const ArchitectureSpec& qwen3Spec();
const ArchitectureSpec& gemma2Spec();
const ArchitectureSpec& gemma3Spec();
const ArchitectureSpec& gemma3MultimodalSpec();
const ArchitectureSpec& phi3Spec();

// The registry: every supported architecture, in the order listed in error messages.
const std::vector<const ArchitectureSpec*>& allSpecs();
const ArchitectureSpec* findByClassName(const std::string& hfClassName);
const ArchitectureSpec& specFor(Architecture architecture);
// The spec a parsed config came from (its class name first, else its architecture).
const ArchitectureSpec& specFor(const ModelConfig& config);
// Why a known class HeadScope does not run is refused (mixture-of-experts variants and
// relatives of supported families); empty when the class is simply unknown.
std::string refusalReason(const std::string& hfClassName);

} // namespace headscope::arch
