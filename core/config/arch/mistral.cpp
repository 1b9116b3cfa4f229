// Mistral (MistralForCausalLM): Mistral-7B v0.1/v0.2/v0.3.
// Reference: transformers/models/mistral/modeling_mistral.py.
// Quirks:
//   - "sliding_window": each query sees at most that many keys (4096 in v0.1; null in v0.2+);
//   - no q/k/v bias; rope_theta 10000 (v0.1) or 1e6 (v0.2+).
#include "architecture_spec.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

namespace headscope::arch {

namespace {
void applyMistralQuirks(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    out.attentionBias = false;
    out.slidingWindow.reset();
    auto it = config.find("sliding_window");
    if (it != config.end() && !it->is_null()) {
        if (!it->is_number_integer() || it->get<int64_t>() <= 0)
            throw FormatError(source + ": key \"sliding_window\": expected a positive integer or null, got " + it->dump());
        out.slidingWindow = it->get<int64_t>();
    }
}

void writeMistralQuirks(const ModelConfig& config, nlohmann::json& out)
{
    out["sliding_window"] = config.slidingWindow ? nlohmann::json(*config.slidingWindow) : nlohmann::json(nullptr);
}
} // namespace

const ArchitectureSpec& mistralSpec()
{
    static const ArchitectureSpec spec{Architecture::Mistral, "MistralForCausalLM", "mistral", &applyMistralQuirks,
                                       &writeMistralQuirks};
    return spec;
}

} // namespace headscope::arch
