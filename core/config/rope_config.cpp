#include "rope_config.h"

#include "headscope/core/errors.h"

#include <cmath>

namespace headscope::config {

namespace {

std::vector<double> factorList(const json& rs, const std::string& key, const std::string& where)
{
    auto it = rs.find(key);
    if (it == rs.end() || !it->is_array() || it->empty())
        throw FormatError(where + ": key \"" + key + "\": expected a list of positive numbers (longrope), got " +
                          (it == rs.end() ? std::string("nothing") : describe(*it)));
    std::vector<double> out;
    for (const json& v : *it) {
        if (!v.is_number() || v.get<double>() <= 0.0)
            badKey(where, key, "a list of positive numbers", *it);
        out.push_back(v.get<double>());
    }
    return out;
}

// One scaling object: {"rope_type"|"type": ..., factor, ...}. `top` is the whole config, for
// longrope's top-level "original_max_position_embeddings" (Phi-3).
RopeScaling parseScaling(const json& rs, const json& top, const ModelConfig& c, const std::string& where)
{
    RopeScaling out;
    const std::string type = optionalString(rs, "rope_type", optionalString(rs, "type", "default", where), where);
    if (type == "default")
        return out;
    if (type == "linear") {
        out.type = RopeScalingType::Linear;
        out.factor = optionalPositiveNumber(rs, "factor", 1.0, where);
    } else if (type == "llama3") {
        out.type = RopeScalingType::Llama3;
        out.factor = optionalPositiveNumber(rs, "factor", 1.0, where);
        out.lowFreqFactor = optionalPositiveNumber(rs, "low_freq_factor", 1.0, where);
        out.highFreqFactor = optionalPositiveNumber(rs, "high_freq_factor", 4.0, where);
        out.originalMaxPositionEmbeddings = optionalPositiveInt(rs, "original_max_position_embeddings", 8192, where);
        if (out.highFreqFactor <= out.lowFreqFactor)
            throw FormatError(where + ": high_freq_factor (" + std::to_string(out.highFreqFactor) +
                              ") must exceed low_freq_factor (" + std::to_string(out.lowFreqFactor) + ")");
    } else if (type == "longrope" || type == "su") {
        // transformers' _compute_longrope_parameters: with a top-level
        // original_max_position_embeddings (Phi-3) the factor is max / original; otherwise the
        // object's own factor, the original length then being max_position_embeddings.
        out.type = RopeScalingType::LongRope;
        out.shortFactor = factorList(rs, "short_factor", where);
        out.longFactor = factorList(rs, "long_factor", where);
        const auto topOriginal = nullablePositiveInt(top, "original_max_position_embeddings", "config");
        const auto ownOriginal = nullablePositiveInt(rs, "original_max_position_embeddings", where);
        const auto ownFactor = nullablePositiveNumber(rs, "factor", where);
        if (topOriginal || (ownOriginal && !ownFactor)) {
            out.originalMaxPositionEmbeddings = topOriginal ? *topOriginal : *ownOriginal;
            out.factor = static_cast<double>(c.maxPositionEmbeddings) / static_cast<double>(out.originalMaxPositionEmbeddings);
        } else {
            out.originalMaxPositionEmbeddings = ownOriginal.value_or(c.maxPositionEmbeddings);
            out.factor = ownFactor.value_or(1.0);
        }
        const auto given = nullablePositiveNumber(rs, "attention_factor", where);
        out.attentionFactor = given ? *given
                              : out.factor <= 1.0
                                  ? 1.0
                                  : std::sqrt(1.0 + std::log(out.factor) /
                                                        std::log(static_cast<double>(out.originalMaxPositionEmbeddings)));
    } else {
        throw UsageError(where + ": rope type \"" + type +
                         "\" is not supported (it changes the rotary frequencies; supported: default, linear, llama3, "
                         "longrope/su)");
    }
    return out;
}

RopeParameters parseParameters(const json& rp, const json& top, const ModelConfig& c, double fallbackTheta,
                               const std::string& where)
{
    if (!rp.is_object())
        badKey(where, "rope_parameters", "an object", rp);
    RopeParameters p;
    p.theta = optionalPositiveNumber(rp, "rope_theta", fallbackTheta, where);
    p.scaling = parseScaling(rp, top, c, where);
    return p;
}

} // namespace

RopeConfig parseRopeConfig(const json& j, const ModelConfig& c, const std::string& source)
{
    RopeConfig out;
    const double theta = optionalPositiveNumber(j, "rope_theta", 10000.0, source);
    auto params = j.find("rope_parameters");
    if (params != j.end() && !params->is_null()) {
        const std::string where = source + " (rope_parameters)";
        if (!params->is_object())
            badKey(source, "rope_parameters", "an object", *params);
        const bool perType = params->contains("full_attention") || params->contains("sliding_attention");
        if (perType) {
            for (const auto& [name, value] : params->items())
                if (name != "full_attention" && name != "sliding_attention")
                    throw UsageError(where + ": layer type \"" + name +
                                     "\" is not supported (supported: full_attention, sliding_attention)");
            if (params->contains("full_attention"))
                out.full = parseParameters((*params)["full_attention"], j, c, theta, where + " full_attention");
            else
                out.full.theta = theta;
            if (params->contains("sliding_attention"))
                out.sliding = parseParameters((*params)["sliding_attention"], j, c, theta, where + " sliding_attention");
        } else {
            out.full = parseParameters(*params, j, c, theta, where);
            if (auto prf = params->find("partial_rotary_factor"); prf != params->end() && !prf->is_null())
                out.partialRotaryFactor = optionalPositiveNumber(*params, "partial_rotary_factor", 1.0, where);
        }
        return out;
    }
    out.full.theta = theta;
    auto it = j.find("rope_scaling");
    if (it != j.end() && !it->is_null()) {
        if (!it->is_object())
            badKey(source, "rope_scaling", "null or an object", *it);
        out.full.scaling = parseScaling(*it, j, c, source + " (rope_scaling)");
    }
    return out;
}

void validateRopeScaling(const RopeScaling& s, int64_t rotaryDim, const std::string& source)
{
    if (s.type != RopeScalingType::LongRope)
        return;
    const auto half = static_cast<std::size_t>(rotaryDim / 2);
    for (const auto* list : {&s.shortFactor, &s.longFactor})
        if (list->size() != half)
            throw FormatError(source + ": rope_scaling: " + (list == &s.shortFactor ? "short_factor" : "long_factor") +
                              " has " + std::to_string(list->size()) + " entries, expected rotary dims / 2 = " +
                              std::to_string(half));
}

json ropeScalingToJson(const RopeScaling& s)
{
    switch (s.type) {
    case RopeScalingType::None: return nullptr;
    case RopeScalingType::Linear: return {{"type", "linear"}, {"factor", s.factor}};
    case RopeScalingType::Llama3:
        return {{"rope_type", "llama3"},
                {"factor", s.factor},
                {"low_freq_factor", s.lowFreqFactor},
                {"high_freq_factor", s.highFreqFactor},
                {"original_max_position_embeddings", s.originalMaxPositionEmbeddings}};
    case RopeScalingType::LongRope:
        return {{"type", "longrope"}, {"short_factor", s.shortFactor}, {"long_factor", s.longFactor}};
    }
    return nullptr;
}

} // namespace headscope::config
