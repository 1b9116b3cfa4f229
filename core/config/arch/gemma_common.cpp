#include "gemma_common.h"

#include "config/config_json.h"
#include "headscope/core/errors.h"

#include <cmath>

namespace headscope::arch {

void applyGemmaQuirks(const nlohmann::json& config, ModelConfig& out, const std::string& source, int64_t slidingPattern)
{
    if (config::optionalBool(config, "attention_bias", false, source))
        config::refuseKey(source, "attention_bias", true, out.architectureName,
                          "bias on q/k/v/o projections; the shared decoder models q/k/v bias only", "false");
    out.attentionBias = false;
    out.normStyle = NormStyle::OffsetWeight;
    out.sublayerOutputNorms = true;
    // transformers multiplies by √hidden cast to the weight dtype (55.4256 becomes 55.5 in bf16);
    // the decoder casts the same way.
    out.embeddingMultiplier = std::sqrt(static_cast<double>(out.hiddenSize));
    out.queryPreAttnScalar = config::optionalPositiveNumber(config, "query_pre_attn_scalar",
                                                            static_cast<double>(out.headDim), source);
    out.attnLogitSoftcap = config::nullablePositiveNumber(config, "attn_logit_softcapping", source);
    out.finalLogitSoftcap = config::nullablePositiveNumber(config, "final_logit_softcapping", source);
    if (!out.slidingWindow)
        return;
    if (out.layerTypes.empty())
        for (int64_t l = 0; l < out.numLayers; ++l)
            out.layerTypes.push_back((l + 1) % slidingPattern != 0 ? LayerType::Sliding : LayerType::Full);
}

void writeGemmaQuirks(const ModelConfig& config, nlohmann::json& out)
{
    out.erase("hidden_act");
    out["hidden_activation"] = config.activation == Activation::GeluTanh ? "gelu_pytorch_tanh" : "silu";
    out["attention_bias"] = false;
    if (config.queryPreAttnScalar)
        out["query_pre_attn_scalar"] = *config.queryPreAttnScalar;
    out["attn_logit_softcapping"] = config.attnLogitSoftcap ? nlohmann::json(*config.attnLogitSoftcap) : nlohmann::json(nullptr);
    out["final_logit_softcapping"] = config.finalLogitSoftcap ? nlohmann::json(*config.finalLogitSoftcap) : nlohmann::json(nullptr);
    out["sliding_window"] = config.slidingWindow ? nlohmann::json(*config.slidingWindow) : nlohmann::json(nullptr);
    if (!config.layerTypes.empty()) {
        nlohmann::json types = nlohmann::json::array();
        for (int64_t l = 0; l < config.numLayers; ++l)
            types.push_back(config.layerType(l) == LayerType::Sliding ? "sliding_attention" : "full_attention");
        out["layer_types"] = types;
    }
}

} // namespace headscope::arch
