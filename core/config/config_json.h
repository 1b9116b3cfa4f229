#pragma once
// Typed reads of config.json keys shared by the config parser and the per-architecture files.
// Every error names the file, the key, what was expected and what was found.
#include "headscope/core/model_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace headscope::config {

using nlohmann::json;

// A value as text for error messages, shortened past 80 characters.
std::string describe(const json& value);

[[noreturn]] void badKey(const std::string& source, const std::string& key, const std::string& expected,
                         const json& actual);

int64_t requirePositiveInt(const json& j, const std::string& key, const std::string& source);
int64_t optionalPositiveInt(const json& j, const std::string& key, int64_t fallback, const std::string& source);
int64_t optionalNonNegativeInt(const json& j, const std::string& key, int64_t fallback, const std::string& source);
double optionalPositiveNumber(const json& j, const std::string& key, double fallback, const std::string& source);
bool optionalBool(const json& j, const std::string& key, bool fallback, const std::string& source);
std::string optionalString(const json& j, const std::string& key, const std::string& fallback, const std::string& source);
// A positive number, or nullopt when the key is absent or null (soft-caps, scalars).
std::optional<double> nullablePositiveNumber(const json& j, const std::string& key, const std::string& source);
// A positive integer, or nullopt when absent or null.
std::optional<int64_t> nullablePositiveInt(const json& j, const std::string& key, const std::string& source);

// Refuses a key whose value changes the model's math in a way HeadScope does not implement:
// UsageError "<source>: key "<key>": <value> is not supported for <class> (<why>); expected <expected>".
[[noreturn]] void refuseKey(const std::string& source, const std::string& key, const json& value,
                            const std::string& className, const std::string& why, const std::string& expected);

// The MLP activation named by `key` ("hidden_act" or Gemma's "hidden_activation"): "silu" or
// "gelu_pytorch_tanh"; anything else is refused by name. `fallback` when the key is absent.
Activation readActivation(const json& j, const std::string& key, const std::string& fallback,
                          const std::string& className, const std::string& source);

} // namespace headscope::config
