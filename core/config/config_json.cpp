#include "config_json.h"

#include "headscope/core/errors.h"

namespace headscope::config {

std::string describe(const json& v)
{
    std::string s = v.dump();
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

void badKey(const std::string& source, const std::string& key, const std::string& expected, const json& actual)
{
    throw FormatError(source + ": key \"" + key + "\": expected " + expected + ", got " + describe(actual));
}

int64_t requirePositiveInt(const json& j, const std::string& key, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end())
        throw FormatError(source + ": missing required key \"" + key + "\" (expected a positive integer)");
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
        badKey(source, key, "a positive integer", *it);
    return it->get<int64_t>();
}

int64_t optionalPositiveInt(const json& j, const std::string& key, int64_t fallback, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
        badKey(source, key, "a positive integer", *it);
    return it->get<int64_t>();
}

int64_t optionalNonNegativeInt(const json& j, const std::string& key, int64_t fallback, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
        badKey(source, key, "a non-negative integer", *it);
    return it->get<int64_t>();
}

double optionalPositiveNumber(const json& j, const std::string& key, double fallback, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_number() || it->get<double>() <= 0.0)
        badKey(source, key, "a positive number", *it);
    return it->get<double>();
}

bool optionalBool(const json& j, const std::string& key, bool fallback, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_boolean())
        badKey(source, key, "true or false", *it);
    return it->get<bool>();
}

std::string optionalString(const json& j, const std::string& key, const std::string& fallback, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_string())
        badKey(source, key, "a string", *it);
    return it->get<std::string>();
}

std::optional<double> nullablePositiveNumber(const json& j, const std::string& key, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return std::nullopt;
    if (!it->is_number() || it->get<double>() <= 0.0)
        badKey(source, key, "a positive number or null", *it);
    return it->get<double>();
}

std::optional<int64_t> nullablePositiveInt(const json& j, const std::string& key, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return std::nullopt;
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
        badKey(source, key, "a positive integer or null", *it);
    return it->get<int64_t>();
}

void refuseKey(const std::string& source, const std::string& key, const json& value, const std::string& className,
               const std::string& why, const std::string& expected)
{
    throw UsageError(source + ": key \"" + key + "\": " + describe(value) + " is not supported for " + className +
                     " (" + why + "); expected " + expected);
}

Activation readActivation(const json& j, const std::string& key, const std::string& fallback,
                          const std::string& className, const std::string& source)
{
    const std::string name = optionalString(j, key, fallback, source);
    if (name == "silu" || name == "swish")
        return Activation::Silu;
    if (name == "gelu_pytorch_tanh")
        return Activation::GeluTanh;
    refuseKey(source, key, json(name), className, "HeadScope implements the SiLU and tanh-approximated GELU gates",
              "\"silu\" or \"gelu_pytorch_tanh\"");
}

} // namespace headscope::config
