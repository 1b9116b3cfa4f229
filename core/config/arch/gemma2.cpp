// Gemma 2 (Gemma2ForCausalLM): gemma-2-2b/9b/27b.
// Reference: transformers/models/gemma2/modeling_gemma2.py, configuration_gemma2.py.
// Quirks (shared with Gemma 3 in gemma_common.cpp):
//   - RMSNorm scales by (1 + w); four norms per layer; embeddings × √hidden;
//   - attention scale query_pre_attn_scalar^-½ (256 on 2b/9b, 144 on 27b);
//   - attention-logit soft-cap 50 before the mask, final-logit soft-cap 30;
//   - sliding window (4096) on even layers, full attention on odd ones; one RoPE base;
//   - gelu-tanh MLP ("hidden_activation"); tied embeddings.
#include "gemma_common.h"

namespace headscope::arch {

namespace {
void applyGemma2Quirks(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    applyGemmaQuirks(config, out, source, 2);
}
} // namespace

const ArchitectureSpec& gemma2Spec()
{
    // transformers' Gemma2Config defaults.
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s;
        s.architecture = Architecture::Gemma2;
        s.hfClassName = "Gemma2ForCausalLM";
        s.modelType = "gemma2";
        s.defaultsJson = R"({"vocab_size": 256000, "hidden_size": 2304, "intermediate_size": 9216,
                         "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4,
                         "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
                         "max_position_embeddings": 8192, "rms_norm_eps": 1e-6, "bos_token_id": 2,
                         "eos_token_id": 1, "tie_word_embeddings": true, "rope_theta": 10000.0,
                         "query_pre_attn_scalar": 256, "sliding_window": 4096,
                         "final_logit_softcapping": 30.0, "attn_logit_softcapping": 50.0})";
        s.activationKey = "hidden_activation";
        s.tensors = kGemmaTensors;
        s.applyQuirks = &applyGemma2Quirks;
        s.writeQuirks = &writeGemmaQuirks;
        return s;
    }();
    return spec;
}

} // namespace headscope::arch
