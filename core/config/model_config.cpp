// config.json → ModelConfig. Shared Llama-family fields are read here; family quirks come
// from the architecture table (arch/). Every error names the file, the key, what was
// expected and what was found.
#include "headscope/core/file_read.h"
#include "headscope/core/model_config.h"

#include "arch/architecture_spec.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>


namespace headscope {

using nlohmann::json;

namespace {

std::string describe(const json& v)
{
    std::string s = v.dump();
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

[[noreturn]] void badKey(const std::string& source, const std::string& key, const std::string& expected, const json& actual)
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

double optionalPositiveNumber(const json& j, const std::string& key, double fallback, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_number() || it->get<double>() <= 0.0)
        badKey(source, key, "a positive number", *it);
    return it->get<double>();
}

RopeScaling parseRopeScaling(const json& j, const std::string& source)
{
    RopeScaling out;
    auto it = j.find("rope_scaling");
    if (it == j.end() || it->is_null())
        return out;
    if (!it->is_object())
        badKey(source, "rope_scaling", "null or an object", *it);
    const json& rs = *it;
    std::string type = rs.value("rope_type", rs.value("type", std::string()));
    if (type == "default" || type.empty())
        return out;
    out.factor = optionalPositiveNumber(rs, "factor", 1.0, source + " (rope_scaling)");
    if (type == "linear") {
        out.type = RopeScalingType::Linear;
    } else if (type == "llama3") {
        out.type = RopeScalingType::Llama3;
        out.lowFreqFactor = optionalPositiveNumber(rs, "low_freq_factor", 1.0, source + " (rope_scaling)");
        out.highFreqFactor = optionalPositiveNumber(rs, "high_freq_factor", 4.0, source + " (rope_scaling)");
        out.originalMaxPositionEmbeddings =
            optionalPositiveInt(rs, "original_max_position_embeddings", 8192, source + " (rope_scaling)");
        if (out.highFreqFactor <= out.lowFreqFactor)
            throw FormatError(source + ": rope_scaling: high_freq_factor (" + std::to_string(out.highFreqFactor) +
                              ") must exceed low_freq_factor (" + std::to_string(out.lowFreqFactor) + ")");
    } else {
        throw FormatError(source + ": key \"rope_scaling\": type \"" + type +
                          "\" is not supported (supported: linear, llama3)");
    }
    return out;
}

std::vector<int32_t> parseEos(const json& j, const std::string& source)
{
    std::vector<int32_t> ids;
    auto it = j.find("eos_token_id");
    if (it == j.end() || it->is_null())
        return ids;
    if (it->is_number_integer()) {
        ids.push_back(it->get<int32_t>());
    } else if (it->is_array()) {
        for (const json& v : *it) {
            if (!v.is_number_integer())
                badKey(source, "eos_token_id", "an integer or a list of integers", *it);
            ids.push_back(v.get<int32_t>());
        }
    } else {
        badKey(source, "eos_token_id", "an integer or a list of integers", *it);
    }
    return ids;
}

} // namespace

std::vector<std::string> supportedArchitectureNames()
{
    std::vector<std::string> names;
    for (const arch::ArchitectureSpec* spec : arch::allSpecs())
        names.push_back(spec->hfClassName);
    return names;
}

std::string_view architectureLabel(Architecture a)
{
    return arch::specFor(a).modelType;
}

ModelConfig parseModelConfig(std::string_view jsonText, const std::string& source)
{
    json j;
    try {
        j = json::parse(jsonText);
    } catch (const json::parse_error& e) {
        throw FormatError(source + ": not valid JSON: " + e.what());
    }
    if (!j.is_object())
        throw FormatError(source + ": expected a JSON object at the top level");

    auto archIt = j.find("architectures");
    if (archIt == j.end() || !archIt->is_array() || archIt->empty() || !(*archIt)[0].is_string())
        throw FormatError(source + ": key \"architectures\": expected a list naming the model class, e.g. "
                                   "[\"LlamaForCausalLM\"], got " +
                          (archIt == j.end() ? std::string("nothing") : describe(*archIt)));
    const std::string className = (*archIt)[0].get<std::string>();
    const arch::ArchitectureSpec* spec = arch::findByClassName(className);
    if (!spec) {
        std::string supported;
        for (const std::string& n : supportedArchitectureNames())
            supported += (supported.empty() ? "" : ", ") + n;
        throw UsageError(source + ": architecture \"" + className + "\" is not supported (supported: " + supported + ")");
    }

    ModelConfig c;
    c.architecture = spec->architecture;
    c.architectureName = className;
    c.vocabSize = requirePositiveInt(j, "vocab_size", source);
    c.hiddenSize = requirePositiveInt(j, "hidden_size", source);
    c.intermediateSize = requirePositiveInt(j, "intermediate_size", source);
    c.numLayers = requirePositiveInt(j, "num_hidden_layers", source);
    c.numHeads = requirePositiveInt(j, "num_attention_heads", source);
    c.numKvHeads = optionalPositiveInt(j, "num_key_value_heads", c.numHeads, source);
    if (c.numHeads % c.numKvHeads != 0)
        throw FormatError(source + ": num_attention_heads (" + std::to_string(c.numHeads) +
                          ") must be a multiple of num_key_value_heads (" + std::to_string(c.numKvHeads) + ")");
    const bool headDimGiven = j.contains("head_dim") && !j["head_dim"].is_null();
    if (!headDimGiven && c.hiddenSize % c.numHeads != 0)
        throw FormatError(source + ": hidden_size (" + std::to_string(c.hiddenSize) +
                          ") is not divisible by num_attention_heads (" + std::to_string(c.numHeads) +
                          ") and no head_dim is given");
    c.headDim = optionalPositiveInt(j, "head_dim", c.hiddenSize / c.numHeads, source);
    if (c.headDim % 2 != 0)
        throw FormatError(source + ": head_dim must be even for RoPE, got " + std::to_string(c.headDim));
    c.maxPositionEmbeddings = optionalPositiveInt(j, "max_position_embeddings", 4096, source);
    c.ropeTheta = optionalPositiveNumber(j, "rope_theta", 10000.0, source);
    c.ropeScaling = parseRopeScaling(j, source);
    c.rmsNormEps = optionalPositiveNumber(j, "rms_norm_eps", 1e-6, source);
    auto tie = j.find("tie_word_embeddings");
    if (tie != j.end() && !tie->is_null()) {
        if (!tie->is_boolean())
            badKey(source, "tie_word_embeddings", "true or false", *tie);
        c.tieWordEmbeddings = tie->get<bool>();
    }
    auto bos = j.find("bos_token_id");
    if (bos != j.end() && !bos->is_null()) {
        if (!bos->is_number_integer())
            badKey(source, "bos_token_id", "an integer or null", *bos);
        c.bosTokenId = bos->get<int32_t>();
    }
    c.eosTokenIds = parseEos(j, source);
    c.torchDtype = j.value("torch_dtype", std::string());
    spec->applyQuirks(j, c, source);
    return c;
}

ModelHeadShape parseModelHeadShape(std::string_view jsonText, const std::string& source)
{
    json j;
    try {
        j = json::parse(jsonText);
    } catch (const json::parse_error& e) {
        throw FormatError(source + ": not valid JSON: " + e.what());
    }
    if (!j.is_object())
        throw FormatError(source + ": expected a JSON object at the top level");
    const bool nested = !j.contains("num_hidden_layers") && j.contains("text_config") && j["text_config"].is_object();
    const json& t = nested ? j["text_config"] : j;
    const std::string where = nested ? source + " text_config" : source;
    ModelHeadShape s;
    s.layers = requirePositiveInt(t, "num_hidden_layers", where);
    s.queryHeads = requirePositiveInt(t, "num_attention_heads", where);
    s.kvHeads = optionalPositiveInt(t, "num_key_value_heads", s.queryHeads, where);
    if (s.queryHeads % s.kvHeads != 0)
        throw FormatError(where + ": num_attention_heads (" + std::to_string(s.queryHeads) +
                          ") must be a multiple of num_key_value_heads (" + std::to_string(s.kvHeads) + ")");
    // Score matrices are layers × heads doubles; refuse sizes no real model has before allocating.
    constexpr int64_t kMaxHeadsTotal = int64_t{1} << 24;
    if (s.layers > 65536 || s.queryHeads > 65536 || s.layers * s.queryHeads > kMaxHeadsTotal)
        throw FormatError(where + ": num_hidden_layers (" + std::to_string(s.layers) + ") × num_attention_heads (" +
                          std::to_string(s.queryHeads) + ") is beyond any real model (limit 2^24 heads)");
    return s;
}

ModelConfig loadModelConfig(const std::filesystem::path& configJson)
{
    std::error_code ec;
    if (!std::filesystem::exists(configJson, ec))
        throw LoadError(configJson.string() + ": no such file (a Hugging Face checkpoint directory needs config.json)");
    return parseModelConfig(readFileBytes(configJson), configJson.string());
}

std::string modelConfigToJson(const ModelConfig& c)
{
    const arch::ArchitectureSpec& spec = arch::specFor(c.architecture);
    json j;
    j["architectures"] = json::array({spec.hfClassName});
    j["model_type"] = spec.modelType;
    j["vocab_size"] = c.vocabSize;
    j["hidden_size"] = c.hiddenSize;
    j["intermediate_size"] = c.intermediateSize;
    j["num_hidden_layers"] = c.numLayers;
    j["num_attention_heads"] = c.numHeads;
    j["num_key_value_heads"] = c.numKvHeads;
    j["head_dim"] = c.headDim;
    j["max_position_embeddings"] = c.maxPositionEmbeddings;
    j["rope_theta"] = c.ropeTheta;
    j["rms_norm_eps"] = c.rmsNormEps;
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
    j["hidden_act"] = "silu";
    switch (c.ropeScaling.type) {
    case RopeScalingType::None: j["rope_scaling"] = nullptr; break;
    case RopeScalingType::Linear: j["rope_scaling"] = {{"type", "linear"}, {"factor", c.ropeScaling.factor}}; break;
    case RopeScalingType::Llama3:
        j["rope_scaling"] = {{"rope_type", "llama3"},
                             {"factor", c.ropeScaling.factor},
                             {"low_freq_factor", c.ropeScaling.lowFreqFactor},
                             {"high_freq_factor", c.ropeScaling.highFreqFactor},
                             {"original_max_position_embeddings", c.ropeScaling.originalMaxPositionEmbeddings}};
        break;
    }
    if (c.bosTokenId)
        j["bos_token_id"] = *c.bosTokenId;
    if (c.eosTokenIds.size() == 1)
        j["eos_token_id"] = c.eosTokenIds.front();
    else if (!c.eosTokenIds.empty())
        j["eos_token_id"] = c.eosTokenIds;
    if (!c.torchDtype.empty())
        j["torch_dtype"] = c.torchDtype;
    spec.writeQuirks(c, j);
    return j.dump(2) + "\n";
}

int64_t ModelConfig::parameterCount() const
{
    const int64_t q = numHeads * headDim, kv = numKvHeads * headDim;
    int64_t perLayer = hiddenSize * q + 2 * hiddenSize * kv + q * hiddenSize // q, k, v, o
                       + 3 * hiddenSize * intermediateSize                   // gate, up, down
                       + 2 * hiddenSize;                                     // two norms
    if (attentionBias)
        perLayer += q + 2 * kv;
    const int64_t embed = vocabSize * hiddenSize;
    return numLayers * perLayer + embed + (tieWordEmbeddings ? 0 : embed) + hiddenSize;
}

} // namespace headscope
