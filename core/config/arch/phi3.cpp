// Phi-3 (Phi3ForCausalLM): Phi-3-mini/medium, Phi-3.5-mini, Phi-4-mini.
// Reference: transformers/models/phi3/modeling_phi3.py, configuration_phi3.py,
// modeling_rope_utils.py (_compute_longrope_parameters, longrope_frequency_update).
// Quirks:
//   - fused projections: self_attn.qkv_proj rows [q | k | v], mlp.gate_up_proj rows [gate | up]
//     (split at load time into the shared decoder's q/k/v and gate/up);
//   - "partial_rotary_factor" (Phi-4-mini 0.75): RoPE on the first int(head_dim × f) dims only;
//   - "rope_scaling" longrope (also spelled "su"): short_factor below
//     "original_max_position_embeddings", long_factor beyond, cos/sin × √(1 + ln(max/orig)/ln(orig));
//   - "sliding_window" on every layer when set (Phi-3-mini-4k: 2047); tied embeddings on Phi-4-mini.
// PhiMoEForCausalLM (Phi-3.5-MoE) is refused by name (registry.cpp).
#include "architecture_spec.h"

#include <nlohmann/json.hpp>

namespace headscope::arch {

namespace {
void applyPhi3Quirks(const nlohmann::json&, ModelConfig& out, const std::string&)
{
    out.attentionBias = false;
    if (out.slidingWindow)
        out.layerTypes.assign(static_cast<std::size_t>(out.numLayers), LayerType::Sliding);
}

void writePhi3Quirks(const ModelConfig& config, nlohmann::json& out)
{
    out["sliding_window"] = config.slidingWindow ? nlohmann::json(*config.slidingWindow) : nlohmann::json(nullptr);
    if (config.ropeScaling.type == RopeScalingType::LongRope)
        out["original_max_position_embeddings"] = config.ropeScaling.originalMaxPositionEmbeddings;
}
} // namespace

const ArchitectureSpec& phi3Spec()
{
    // transformers' Phi3Config defaults for keys a config may omit.
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s;
        s.architecture = Architecture::Phi3;
        s.hfClassName = "Phi3ForCausalLM";
        s.modelType = "phi3";
        s.defaultsJson = R"({"max_position_embeddings": 4096, "original_max_position_embeddings": 4096,
                         "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "partial_rotary_factor": 1.0,
                         "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 32000})";
        s.tensors.qProj = s.tensors.kProj = s.tensors.vProj = "";
        s.tensors.qkvProj = "self_attn.qkv_proj.weight";
        s.tensors.gateProj = s.tensors.upProj = "";
        s.tensors.gateUpProj = "mlp.gate_up_proj.weight";
        s.applyQuirks = &applyPhi3Quirks;
        s.writeQuirks = &writePhi3Quirks;
        return s;
    }();
    return spec;
}

} // namespace headscope::arch
