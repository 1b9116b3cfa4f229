// Llama (LlamaForCausalLM): Llama-2, Llama-3, Llama-3.1.
// Reference: transformers/models/llama/modeling_llama.py.
// Quirks:
//   - no q/k/v/o bias ("attention_bias": true is refused: no released Llama uses it);
//   - RoPE scaling: none, "linear", or "llama3" (Llama-3.1: factor 8, low 1, high 4, orig 8192);
//   - Llama-3.x checkpoints may list several EOS ids ("eos_token_id": [128001, 128008, 128009]);
//   - no sliding window.
#include "architecture_spec.h"

#include "config/config_json.h"

namespace headscope::arch {

namespace {
void applyLlamaQuirks(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    // HF's Llama puts the bias on o_proj too when attention_bias is set; no released Llama
    // does, and the shared decoder models q/k/v bias only, so refuse rather than mis-load.
    if (config::optionalBool(config, "attention_bias", false, source))
        config::refuseKey(source, "attention_bias", true, out.architectureName,
                          "bias on q/k/v/o projections; the shared decoder models q/k/v bias only", "false");
    out.attentionBias = false;
    out.slidingWindow.reset();
}

void writeLlamaQuirks(const ModelConfig&, nlohmann::json& out)
{
    out["attention_bias"] = false;
}
} // namespace

const ArchitectureSpec& llamaSpec()
{
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s;
        s.architecture = Architecture::Llama;
        s.hfClassName = "LlamaForCausalLM";
        s.modelType = "llama";
        s.applyQuirks = &applyLlamaQuirks;
        s.writeQuirks = &writeLlamaQuirks;
        return s;
    }();
    return spec;
}

} // namespace headscope::arch
