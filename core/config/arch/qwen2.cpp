// Qwen2 (Qwen2ForCausalLM): Qwen2, Qwen2.5.
// Reference: transformers/models/qwen2/modeling_qwen2.py, configuration_qwen2.py.
// Quirks:
//   - q/k/v projections always carry a bias (o_proj does not);
//   - "sliding_window" applies only when "use_sliding_window" is true (false in released
//     models), and then to layers >= "max_window_layers";
//   - small models tie word embeddings ("tie_word_embeddings": true for 0.5B/1.5B);
//   - no BOS token; EOS "<|endoftext|>" / "<|im_end|>".
#include "architecture_spec.h"
#include "qwen_sliding.h"

#include "config/config_json.h"

namespace headscope::arch {

void applyQwenSlidingLayers(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    if (!config::optionalBool(config, "use_sliding_window", false, source) || !out.slidingWindow) {
        out.slidingWindow.reset();
        return;
    }
    const int64_t first = config::optionalNonNegativeInt(config, "max_window_layers", out.numLayers, source);
    if (!out.layerTypes.empty())
        return; // an explicit "layer_types" list wins, as in transformers
    for (int64_t l = 0; l < out.numLayers; ++l)
        out.layerTypes.push_back(l >= first ? LayerType::Sliding : LayerType::Full);
}

void writeQwenSlidingLayers(const ModelConfig& config, nlohmann::json& out)
{
    out["use_sliding_window"] = config.slidingWindow.has_value();
    out["sliding_window"] = config.slidingWindow ? nlohmann::json(*config.slidingWindow) : nlohmann::json(nullptr);
    int64_t first = config.numLayers;
    for (int64_t l = config.numLayers - 1; l >= 0 && config.layerType(l) == LayerType::Sliding; --l)
        first = l;
    out["max_window_layers"] = first;
}

namespace {
void applyQwen2Quirks(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    out.attentionBias = true;
    applyQwenSlidingLayers(config, out, source);
}
} // namespace

const ArchitectureSpec& qwen2Spec()
{
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s;
        s.architecture = Architecture::Qwen2;
        s.hfClassName = "Qwen2ForCausalLM";
        s.modelType = "qwen2";
        s.defaultsJson = R"({"max_window_layers": 28})";
        s.applyQuirks = &applyQwen2Quirks;
        s.writeQuirks = &writeQwenSlidingLayers;
        return s;
    }();
    return spec;
}

} // namespace headscope::arch
