// Gemma 3 (Gemma3ForCausalLM, model_type "gemma3_text": gemma-3-1b and text-only use) and the
// text tower of Gemma3ForConditionalGeneration checkpoints (gemma-3-4b/12b/27b): the language
// model's config is "text_config", its weights sit under "language_model.model." (or
// "model.language_model." as newer transformers saves them); the SigLIP vision tower and the
// multimodal projector are not loaded, and `info` says so.
// Reference: transformers/models/gemma3/modeling_gemma3.py, configuration_gemma3.py.
// Quirks, beyond Gemma 2 (gemma_common.cpp):
//   - q_norm / k_norm ((1 + w) RMSNorm over head_dim) on every query and key head, before RoPE;
//   - no soft-caps (both null by default);
//   - "layer_types", or "sliding_window_pattern" (6: five sliding layers, then a full one);
//   - sliding layers use "rope_local_base_freq" (10 000) without scaling, full layers
//     "rope_theta" (1e6) and "rope_scaling" (linear ×8 on 4b+);
//   - "use_bidirectional_attention" (EmbeddingGemma) is refused.
#include "gemma_common.h"

#include "config/config_json.h"

#include <nlohmann/json.hpp>

namespace headscope::arch {

namespace {
void applyGemma3Quirks(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    if (config::optionalBool(config, "use_bidirectional_attention", false, source))
        config::refuseKey(source, "use_bidirectional_attention", true, out.architectureName,
                          "bidirectional attention (EmbeddingGemma) is not a causal decoder", "false");
    const int64_t pattern = config::optionalPositiveInt(config, "sliding_window_pattern", 6, source);
    applyGemmaQuirks(config, out, source, pattern);
    out.qkNorm = true;
    if (!out.localRopeTheta) // unless "rope_parameters" gave the sliding layers their own
        out.localRopeTheta = config::optionalPositiveNumber(config, "rope_local_base_freq", 10000.0, source);
}

void writeGemma3Quirks(const ModelConfig& config, nlohmann::json& out)
{
    writeGemmaQuirks(config, out);
    if (config.localRopeTheta)
        out["rope_local_base_freq"] = *config.localRopeTheta;
}

// transformers' Gemma3TextConfig defaults: multimodal checkpoints' text_config lists only a
// few keys (gemma-3-4b: hidden, intermediate, layers, rope_scaling, sliding_window).
constexpr const char* kGemma3Defaults =
    R"({"vocab_size": 262208, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26,
        "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
        "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 131072, "rms_norm_eps": 1e-6,
        "bos_token_id": 2, "eos_token_id": 1, "tie_word_embeddings": true, "rope_theta": 1000000.0,
        "query_pre_attn_scalar": 256, "sliding_window": 4096, "final_logit_softcapping": null,
        "attn_logit_softcapping": null, "rope_local_base_freq": 10000.0, "sliding_window_pattern": 6})";
} // namespace

const ArchitectureSpec& gemma3Spec()
{
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s;
        s.architecture = Architecture::Gemma3;
        s.hfClassName = "Gemma3ForCausalLM";
        s.modelType = "gemma3_text";
        s.defaultsJson = kGemma3Defaults;
        s.activationKey = "hidden_activation";
        s.tensors = kGemmaTensors;
        s.applyQuirks = &applyGemma3Quirks;
        s.writeQuirks = &writeGemma3Quirks;
        return s;
    }();
    return spec;
}

const ArchitectureSpec& gemma3MultimodalSpec()
{
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s = gemma3Spec();
        s.hfClassName = "Gemma3ForConditionalGeneration";
        s.modelType = "gemma3";
        s.textConfigKey = "text_config";
        s.layouts = {WeightLayout{"language_model.model.", "language_model.lm_head.weight"},
                     WeightLayout{"model.language_model.", "lm_head.weight"}};
        s.skipped = {{"vision_tower.", "vision tower (SigLIP)"},
                     {"model.vision_tower.", "vision tower (SigLIP)"},
                     {"multi_modal_projector.", "multimodal projector"},
                     {"model.multi_modal_projector.", "multimodal projector"}};
        return s;
    }();
    return spec;
}

} // namespace headscope::arch
