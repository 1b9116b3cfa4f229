// Mistral (MistralForCausalLM): Mistral-7B v0.1/v0.2/v0.3.
// Reference: transformers/models/mistral/modeling_mistral.py.
// Quirks:
//   - "sliding_window": every layer's queries see at most that many keys (4096 in v0.1; null in v0.2+);
//   - no q/k/v bias; rope_theta 10000 (v0.1) or 1e6 (v0.2+).
#include "architecture_spec.h"

#include <nlohmann/json.hpp>

namespace headscope::arch {

namespace {
void applyMistralQuirks(const nlohmann::json&, ModelConfig& out, const std::string&)
{
    out.attentionBias = false;
    out.layerTypes.assign(static_cast<std::size_t>(out.numLayers), LayerType::Sliding);
}

void writeMistralQuirks(const ModelConfig& config, nlohmann::json& out)
{
    out["sliding_window"] = config.slidingWindow ? nlohmann::json(*config.slidingWindow) : nlohmann::json(nullptr);
}
} // namespace

const ArchitectureSpec& mistralSpec()
{
    static const ArchitectureSpec spec = [] {
        ArchitectureSpec s;
        s.architecture = Architecture::Mistral;
        s.hfClassName = "MistralForCausalLM";
        s.modelType = "mistral";
        s.applyQuirks = &applyMistralQuirks;
        s.writeQuirks = &writeMistralQuirks;
        return s;
    }();
    return spec;
}

} // namespace headscope::arch
