#pragma once
// What Gemma 2 and Gemma 3 share: (1 + w) RMSNorm, four norms per layer (input,
// post_attention on the attention output, pre_feedforward, post_feedforward on the MLP
// output), embeddings × √hidden, scores × query_pre_attn_scalar^-½, optional tanh soft-caps on
// attention scores and final logits, GELU-tanh MLP, no biases, per-layer sliding windows.
#include "architecture_spec.h"

#include <nlohmann/json_fwd.hpp>

namespace headscope::arch {

inline constexpr LayerTensorTable kGemmaTensors{
    .attnOutNorm = "post_attention_layernorm.weight",
    .mlpInputNorm = "pre_feedforward_layernorm.weight",
    .mlpOutNorm = "post_feedforward_layernorm.weight",
};

// Reads the shared Gemma fields. Layers are sliding unless (i + 1) % slidingPattern == 0
// when no "layer_types" list is given (Gemma 2: pattern 2, layer 0 sliding).
void applyGemmaQuirks(const nlohmann::json& config, ModelConfig& out, const std::string& source, int64_t slidingPattern);
void writeGemmaQuirks(const ModelConfig& config, nlohmann::json& out);

} // namespace headscope::arch
