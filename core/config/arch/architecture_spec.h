#pragma once
// One entry per supported Hugging Face architecture: how its config.json differs from the
// Llama baseline and what its tensors are called. Architecture differences are data here;
// the decoder reads flags from ModelConfig and names from TensorNames, never the family.
#include "headscope/core/model_config.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace headscope::arch {

struct ArchitectureSpec {
    Architecture architecture;
    std::string hfClassName;  // "architectures"[0]
    std::string modelType;    // "model_type"
    // Reads the family's quirk fields (bias, sliding window) after the shared fields are parsed.
    void (*applyQuirks)(const nlohmann::json& config, ModelConfig& out, const std::string& source);
    // Writes them back for modelConfigToJson.
    void (*writeQuirks)(const ModelConfig& config, nlohmann::json& out);
};

const ArchitectureSpec& llamaSpec();
const ArchitectureSpec& mistralSpec();
const ArchitectureSpec& qwen2Spec();

// The registry: every supported architecture, in the order listed in error messages.
const std::vector<const ArchitectureSpec*>& allSpecs();
const ArchitectureSpec* findByClassName(const std::string& hfClassName);
const ArchitectureSpec& specFor(Architecture architecture);

// A flag that must be true, false, null or absent (the fallback); anything else is a
// FormatError naming the key and the value.
bool optionalBool(const nlohmann::json& config, const char* key, bool fallback, const std::string& source);

} // namespace headscope::arch
