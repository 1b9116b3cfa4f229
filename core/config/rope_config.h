#pragma once
// RoPE settings from config.json in every spelling HF has written: "rope_theta" with
// "rope_scaling" ({"rope_type": …} or the older {"type": …}; "su" for longrope), or the newer
// "rope_parameters" (flat, or one entry per layer type: "full_attention"/"sliding_attention").
// A scaling type HeadScope does not implement is refused by name.
#include "config_json.h"

#include "headscope/core/model_config.h"

#include <optional>

namespace headscope::config {

struct RopeConfig {
    RopeParameters full;                   // full-attention layers (and every layer unless `sliding` is set)
    std::optional<RopeParameters> sliding; // sliding layers' own parameters, from "rope_parameters"
    std::optional<double> partialRotaryFactor; // when "rope_parameters" carries it
};

// `c` supplies head_dim and max_position_embeddings (already parsed) for longrope.
RopeConfig parseRopeConfig(const json& j, const ModelConfig& c, const std::string& source);

// Checks the longrope factor lists against the rotary dimension (rotaryDim / 2 entries each).
void validateRopeScaling(const RopeScaling& s, int64_t rotaryDim, const std::string& source);

// Back to config.json ("rope_scaling" object, or null).
json ropeScalingToJson(const RopeScaling& s);

} // namespace headscope::config
