// Qwen3 (Qwen3ForCausalLM): Qwen3-0.6B … 32B (dense).
// Reference: transformers/models/qwen3/modeling_qwen3.py, configuration_qwen3.py.
// Quirks:
//   - no q/k/v bias ("attention_bias": true would put a bias on o_proj too: refused);
//   - q_norm / k_norm: RMSNorm (w · x̂) over head_dim on every query and key head, before RoPE;
//   - explicit "head_dim" (128) that is not hidden / heads on most sizes;
//   - small sizes tie word embeddings; sliding window as Qwen2 (off in released models).
// Qwen3MoeForCausalLM is refused by name (registry.cpp).
#include "architecture_spec.h"
#include "qwen_sliding.h"

#include "config/config_json.h"

namespace headscope::arch {

namespace {
void applyQwen3Quirks(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    if (config::optionalBool(config, "attention_bias", false, source))
        config::refuseKey(source, "attention_bias", true, out.architectureName,
                          "bias on q/k/v/o projections; the shared decoder models q/k/v bias only", "false");
    out.attentionBias = false;
    out.qkNorm = true;
    applyQwenSlidingLayers(config, out, source);
}

void writeQwen3Quirks(const ModelConfig& config, nlohmann::json& out)
{
    out["attention_bias"] = false;
    writeQwenSlidingLayers(config, out);
}
} // namespace

const ArchitectureSpec& qwen3Spec()
{
    // transformers' Qwen3Config defaults for keys a config may omit.
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s;
        s.architecture = Architecture::Qwen3;
        s.hfClassName = "Qwen3ForCausalLM";
        s.modelType = "qwen3";
        s.defaultsJson = R"({"head_dim": 128, "max_position_embeddings": 32768, "rms_norm_eps": 1e-6,
                         "rope_theta": 10000.0, "use_sliding_window": false, "max_window_layers": 28,
                         "tie_word_embeddings": false})";
        s.applyQuirks = &applyQwen3Quirks;
        s.writeQuirks = &writeQwen3Quirks;
        return s;
    }();
    return spec;
}

} // namespace headscope::arch
