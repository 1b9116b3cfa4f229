#pragma once
// Qwen2/Qwen3 sliding windows: "sliding_window" applies only when "use_sliding_window" is true,
// and then to layers from "max_window_layers" on (transformers' Qwen2Config.layer_types).
#include "headscope/core/model_config.h"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace headscope::arch {

void applyQwenSlidingLayers(const nlohmann::json& config, ModelConfig& out, const std::string& source);
void writeQwenSlidingLayers(const ModelConfig& config, nlohmann::json& out);

} // namespace headscope::arch
