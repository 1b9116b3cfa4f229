// config.json → ModelConfig. Shared Llama-family fields are read here; family quirks come
// from the architecture table (arch/). Every error names the file, the key, what was
// expected and what was found.
#include "headscope/core/file_read.h"
#include "headscope/core/model_config.h"

#include "arch/architecture_spec.h"
#include "common/json_input.h"
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

// Upper bounds on each dimension: far above any published model (Llama-3.1-405B: 126 layers,
// hidden 16384, 128 heads, vocab 128256), low enough that a typo or a hostile
// "num_hidden_layers": 1000000000 is refused before anything is sized from it.
// docs/input_limits.md lists the table.
struct DimensionLimit {
    std::string_view key;
    int64_t ModelConfig::*field;
    int64_t max;
};
constexpr DimensionLimit kDimensionLimits[] = {
    {"vocab_size", &ModelConfig::vocabSize, int64_t(1) << 24},
    {"hidden_size", &ModelConfig::hiddenSize, int64_t(1) << 17},
    {"intermediate_size", &ModelConfig::intermediateSize, int64_t(1) << 20},
    {"num_hidden_layers", &ModelConfig::numLayers, kMaxModelLayers},
    {"num_attention_heads", &ModelConfig::numHeads, kMaxModelHeads},
    {"num_key_value_heads", &ModelConfig::numKvHeads, kMaxModelHeads},
    {"head_dim", &ModelConfig::headDim, kMaxModelHeadDim},
    {"max_position_embeddings", &ModelConfig::maxPositionEmbeddings, kMaxModelPositions},
};
constexpr int64_t kMaxOriginalPositions = kMaxModelPositions; // rope_scaling.original_max_position_embeddings

int64_t limitOf(std::string_view key)
{
    for (const DimensionLimit& l : kDimensionLimits)
        if (l.key == key)
            return l.max;
    return key == "original_max_position_embeddings" ? kMaxOriginalPositions : INT64_MAX;
}

void checkLimit(std::string_view key, int64_t value, const std::string& source)
{
    if (value <= 0)
        throw FormatError(source + ": key \"" + std::string(key) + "\": expected a positive integer, got " +
                          std::to_string(value));
    if (value > limitOf(key))
        throw FormatError(source + ": key \"" + std::string(key) + "\": " + std::to_string(value) +
                          " is beyond the supported maximum of " + std::to_string(limitOf(key)) +
                          " (docs/input_limits.md)");
}

// A positive integer within the key's limit.
int64_t checkedPositiveInt(const json& v, const std::string& key, const std::string& source)
{
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) ||
        v.get<int64_t>() <= 0)
        badKey(source, key, "a positive integer", v);
    checkLimit(key, v.get<int64_t>(), source);
    return v.get<int64_t>();
}

int64_t requirePositiveInt(const json& j, const std::string& key, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end())
        throw FormatError(source + ": missing required key \"" + key + "\" (expected a positive integer)");
    return checkedPositiveInt(*it, key, source);
}

int64_t optionalPositiveInt(const json& j, const std::string& key, int64_t fallback, const std::string& source)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    return checkedPositiveInt(*it, key, source);
}

// Token ids are int32 in the tokenizer and must index the embedding table.
int32_t tokenId(const json& v, const std::string& key, int64_t vocab, const std::string& source)
{
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) ||
        v.get<int64_t>() < 0 || v.get<int64_t>() >= vocab)
        badKey(source, key, "a token id in [0, vocab_size " + std::to_string(vocab) + ")", v);
    return static_cast<int32_t>(v.get<int64_t>());
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
    std::string type;
    for (const char* key : {"type", "rope_type"}) { // rope_type (newer) wins over type
        auto t = rs.find(key);
        if (t == rs.end() || t->is_null())
            continue;
        if (!t->is_string())
            badKey(source, std::string("rope_scaling.") + key, "a string such as \"llama3\" or \"linear\"", *t);
        type = t->get<std::string>();
    }
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

std::vector<int32_t> parseEos(const json& j, int64_t vocab, const std::string& source)
{
    std::vector<int32_t> ids;
    auto it = j.find("eos_token_id");
    if (it == j.end() || it->is_null())
        return ids;
    if (it->is_number_integer()) {
        ids.push_back(tokenId(*it, "eos_token_id", vocab, source));
    } else if (it->is_array()) {
        for (const json& v : *it) {
            if (!v.is_number_integer())
                badKey(source, "eos_token_id", "an integer or a list of integers", *it);
            ids.push_back(tokenId(v, "eos_token_id", vocab, source));
        }
    } else {
        badKey(source, "eos_token_id", "an integer or a list of integers", *it);
    }
    return ids;
}

} // namespace

void validateModelDimensions(const ModelConfig& c, const std::string& source)
{
    for (const DimensionLimit& l : kDimensionLimits)
        checkLimit(l.key, c.*l.field, source);
    checkLimit("original_max_position_embeddings", c.ropeScaling.originalMaxPositionEmbeddings, source);
    if (c.numHeads % c.numKvHeads != 0)
        throw FormatError(source + ": num_attention_heads (" + std::to_string(c.numHeads) +
                          ") must be a multiple of num_key_value_heads (" + std::to_string(c.numKvHeads) + ")");
}

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
    json j = json_input::parse(jsonText, source);
    json_input::requireObject(j, source, "a Hugging Face config.json");

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
    validateModelDimensions(c, source);
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
        c.bosTokenId = tokenId(*bos, "bos_token_id", c.vocabSize, source);
    }
    c.eosTokenIds = parseEos(j, c.vocabSize, source);
    if (auto dt = j.find("torch_dtype"); dt != j.end() && !dt->is_null()) {
        if (!dt->is_string())
            badKey(source, "torch_dtype", "a string such as \"bfloat16\"", *dt);
        c.torchDtype = dt->get<std::string>();
    }
    spec->applyQuirks(j, c, source);
    return c;
}

ModelHeadShape parseModelHeadShape(std::string_view jsonText, const std::string& source)
{
    const json j = json_input::parse(jsonText, source);
    json_input::requireObject(j, source, "a Hugging Face config.json");
    const bool nested = !j.contains("num_hidden_layers") && j.contains("text_config") && j["text_config"].is_object();
    const json& t = nested ? j["text_config"] : j;
    const std::string where = nested ? source + " text_config" : source;
    ModelHeadShape s;
    // requirePositiveInt holds each count to kMaxModelLayers / kMaxModelHeads (docs/input_limits.md),
    // so a score matrix sized from them stays small.
    s.layers = requirePositiveInt(t, "num_hidden_layers", where);
    s.queryHeads = requirePositiveInt(t, "num_attention_heads", where);
    s.kvHeads = optionalPositiveInt(t, "num_key_value_heads", s.queryHeads, where);
    if (s.queryHeads % s.kvHeads != 0)
        throw FormatError(where + ": num_attention_heads (" + std::to_string(s.queryHeads) +
                          ") must be a multiple of num_key_value_heads (" + std::to_string(s.kvHeads) + ")");
    if (auto name = j.find("_name_or_path"); name != j.end() && name->is_string())
        s.nameOrPath = name->get<std::string>();
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
