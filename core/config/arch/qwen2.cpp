// Qwen2 (Qwen2ForCausalLM): Qwen2, Qwen2.5.
// Reference: transformers/models/qwen2/modeling_qwen2.py.
// Quirks:
//   - q/k/v projections always carry a bias (o_proj does not);
//   - "sliding_window" applies only when "use_sliding_window" is true (false in released models);
//   - small models tie word embeddings ("tie_word_embeddings": true for 0.5B/1.5B);
//   - no BOS token; EOS "<|endoftext|>" / "<|im_end|>".
#include "architecture_spec.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

namespace headscope::arch {

namespace {
void applyQwen2Quirks(const nlohmann::json& config, ModelConfig& out, const std::string& source)
{
    out.attentionBias = true;
    out.slidingWindow.reset();
    if (optionalBool(config, "use_sliding_window", false, source)) {
        auto it = config.find("sliding_window");
        if (it != config.end() && !it->is_null()) {
            if (!it->is_number_integer() || it->get<int64_t>() <= 0)
                throw FormatError(source + ": key \"sliding_window\": expected a positive integer or null, got " + it->dump());
            out.slidingWindow = it->get<int64_t>();
        }
    }
}

void writeQwen2Quirks(const ModelConfig& config, nlohmann::json& out)
{
    out["use_sliding_window"] = config.slidingWindow.has_value();
    out["sliding_window"] = config.slidingWindow ? nlohmann::json(*config.slidingWindow) : nlohmann::json(nullptr);
}
} // namespace

const ArchitectureSpec& qwen2Spec()
{
    static const ArchitectureSpec spec{Architecture::Qwen2, "Qwen2ForCausalLM", "qwen2", &applyQwen2Quirks,
                                       &writeQwen2Quirks};
    return spec;
}

} // namespace headscope::arch
