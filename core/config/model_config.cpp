// config.json → ModelConfig. Shared Llama-family fields are read here; family quirks and
// defaults come from the architecture table (arch/), RoPE settings from rope_config.cpp. Every
// error names the file, the key, what was expected and what was found.
#include "headscope/core/file_read.h"
#include "headscope/core/model_config.h"

#include "arch/architecture_spec.h"
#include "config_json.h"
#include "rope_config.h"
#include "common/json_input.h"
#include "headscope/core/errors.h"

#include <cmath>

namespace headscope {

using nlohmann::json;
using namespace config;

namespace {

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

// Token ids are int32 in the tokenizer and must index the embedding table.
int32_t tokenId(const json& v, const std::string& key, int64_t vocab, const std::string& source)
{
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) ||
        v.get<int64_t>() < 0 || v.get<int64_t>() >= vocab)
        badKey(source, key, "a token id in [0, vocab_size " + std::to_string(vocab) + ")", v);
    return static_cast<int32_t>(v.get<int64_t>());
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

// A multimodal checkpoint keeps the language model's config nested; the token ids, dtype and
// tying often sit at the top level only, so they are carried down when the nested one lacks them.
json languageModelConfig(const json& top, const arch::ArchitectureSpec& spec, const std::string& source)
{
    if (std::string(spec.textConfigKey).empty())
        return top;
    auto it = top.find(spec.textConfigKey);
    if (it == top.end() || !it->is_object())
        throw FormatError(source + ": key \"" + spec.textConfigKey + "\": expected the language model's config (an object) for " +
                          spec.hfClassName + ", got " + (it == top.end() ? std::string("nothing") : describe(*it)));
    json text = *it;
    for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id", "torch_dtype", "dtype", "tie_word_embeddings"})
        if (!text.contains(key) && top.contains(key))
            text[key] = top[key];
    return text;
}

// Keys that change the math for every family and that no supported configuration uses.
void refuseUnsupportedCommon(const json& j, const std::string& className, const std::string& source)
{
    if (auto q = j.find("quantization_config"); q != j.end() && !q->is_null())
        refuseKey(source, "quantization_config", *q, className,
                  "quantized weights are not loaded; HeadScope reads float32, bfloat16 or float16 tensors",
                  "an unquantized checkpoint");
    for (const char* key : {"num_experts", "num_local_experts", "n_routed_experts"})
        if (auto e = j.find(key); e != j.end() && e->is_number_integer() && e->get<int64_t>() > 0)
            refuseKey(source, key, *e, className, "mixture-of-experts MLPs are not supported", "no experts");
    if (optionalBool(j, "mlp_bias", false, source))
        refuseKey(source, "mlp_bias", true, className, "the shared decoder has no MLP biases", "false");
}

// Per-layer tables and score matrices are sized by these: the limits are checked before anything
// is allocated, by the same rule (and message) as validateModelDimensions.
void checkPlausibleSize(int64_t layers, int64_t queryHeads, int64_t kvHeads, const std::string& where)
{
    checkLimit("num_hidden_layers", layers, where);
    checkLimit("num_attention_heads", queryHeads, where);
    checkLimit("num_key_value_heads", kvHeads, where);
}

// "_name_or_path" is informational: a value of another type is ignored, not an error.
std::string nameOrPath(const json& j)
{
    auto it = j.find("_name_or_path");
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<LayerType> parseLayerTypes(const json& j, int64_t layers, const std::string& source)
{
    std::vector<LayerType> out;
    auto it = j.find("layer_types");
    if (it == j.end() || it->is_null())
        return out;
    if (!it->is_array() || static_cast<int64_t>(it->size()) != layers)
        badKey(source, "layer_types", "a list of " + std::to_string(layers) + " layer types", *it);
    for (const json& v : *it) {
        const std::string t = v.is_string() ? v.get<std::string>() : std::string();
        if (t == "full_attention")
            out.push_back(LayerType::Full);
        else if (t == "sliding_attention")
            out.push_back(LayerType::Sliding);
        else
            throw UsageError(source + ": key \"layer_types\": layer type " + describe(v) +
                             " is not supported (supported: full_attention, sliding_attention)");
    }
    return out;
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

Architecture parseArchitectureLabel(std::string_view label)
{
    if (label == "gemma3")
        return Architecture::Gemma3;
    std::string names;
    for (const arch::ArchitectureSpec* spec : arch::allSpecs()) {
        if (spec->modelType == label)
            return spec->architecture;
        if (names.find(spec->modelType) == std::string::npos)
            names += (names.empty() ? "" : ", ") + spec->modelType;
    }
    throw UsageError("architecture \"" + std::string(label) + "\" is not one of " + names);
}

ModelConfig parseModelConfig(std::string_view jsonText, const std::string& source)
{
    const json top = json_input::parse(jsonText, source);
    json_input::requireObject(top, source, "a Hugging Face config.json");

    auto archIt = top.find("architectures");
    if (archIt == top.end() || !archIt->is_array() || archIt->empty() || !(*archIt)[0].is_string())
        throw FormatError(source + ": key \"architectures\": expected a list naming the model class, e.g. "
                                   "[\"LlamaForCausalLM\"], got " +
                          (archIt == top.end() ? std::string("nothing") : describe(*archIt)));
    const std::string className = (*archIt)[0].get<std::string>();
    const arch::ArchitectureSpec* spec = arch::findByClassName(className);
    if (!spec) {
        std::string supported;
        for (const std::string& n : supportedArchitectureNames())
            supported += (supported.empty() ? "" : ", ") + n;
        const std::string reason = arch::refusalReason(className);
        throw UsageError(source + ": architecture \"" + className + "\" is not supported" +
                         (reason.empty() ? "" : " (" + reason + ")") + " (supported: " + supported + ")");
    }
    const std::string where = std::string(spec->textConfigKey).empty() ? source : source + " " + spec->textConfigKey;
    json j = languageModelConfig(top, *spec, source);
    // HF's config-class defaults for keys the file omits (explicit nulls are kept).
    const json defaults = json_input::parse(spec->defaultsJson, spec->hfClassName + " defaults");
    for (const auto& [key, value] : defaults.items())
        if (!j.contains(key))
            j[key] = value;
    refuseUnsupportedCommon(j, className, where);

    ModelConfig c;
    c.architecture = spec->architecture;
    c.architectureName = className;
    c.vocabSize = requirePositiveInt(j, "vocab_size", where);
    c.hiddenSize = requirePositiveInt(j, "hidden_size", where);
    c.intermediateSize = requirePositiveInt(j, "intermediate_size", where);
    c.numLayers = requirePositiveInt(j, "num_hidden_layers", where);
    c.numHeads = requirePositiveInt(j, "num_attention_heads", where);
    c.numKvHeads = optionalPositiveInt(j, "num_key_value_heads", c.numHeads, where);
    checkPlausibleSize(c.numLayers, c.numHeads, c.numKvHeads, where);
    if (c.numHeads % c.numKvHeads != 0)
        throw FormatError(where + ": num_attention_heads (" + std::to_string(c.numHeads) +
                          ") must be a multiple of num_key_value_heads (" + std::to_string(c.numKvHeads) + ")");
    const bool headDimGiven = j.contains("head_dim") && !j["head_dim"].is_null();
    if (!headDimGiven && c.hiddenSize % c.numHeads != 0)
        throw FormatError(where + ": hidden_size (" + std::to_string(c.hiddenSize) +
                          ") is not divisible by num_attention_heads (" + std::to_string(c.numHeads) +
                          ") and no head_dim is given");
    c.headDim = optionalPositiveInt(j, "head_dim", c.hiddenSize / c.numHeads, where);
    c.maxPositionEmbeddings = optionalPositiveInt(j, "max_position_embeddings", 4096, where);
    const RopeConfig rope = parseRopeConfig(j, c, where);
    c.ropeTheta = rope.full.theta;
    c.ropeScaling = rope.full.scaling;
    if (rope.sliding) {
        if (rope.sliding->scaling.type != RopeScalingType::None)
            throw UsageError(where + ": rope_parameters sliding_attention: scaled RoPE on sliding layers is not "
                                     "supported (they take an unscaled base of their own)");
        c.localRopeTheta = rope.sliding->theta;
    }
    c.partialRotaryFactor = rope.partialRotaryFactor.value_or(optionalPositiveNumber(j, "partial_rotary_factor", 1.0, where));
    if (c.partialRotaryFactor > 1.0)
        badKey(where, "partial_rotary_factor", "a number in (0, 1]", j["partial_rotary_factor"]);
    if (c.rotaryDim() % 2 != 0 || c.rotaryDim() == 0)
        throw FormatError(where + ": rotary dims (head_dim " + std::to_string(c.headDim) + " × partial_rotary_factor " +
                          std::to_string(c.partialRotaryFactor) + " = " + std::to_string(c.rotaryDim()) +
                          ") must be even and positive for RoPE");
    validateRopeScaling(c.ropeScaling, c.rotaryDim(), where);
    validateModelDimensions(c, where);
    c.rmsNormEps = optionalPositiveNumber(j, "rms_norm_eps", 1e-6, where);
    c.tieWordEmbeddings = optionalBool(j, "tie_word_embeddings", false, where);
    auto bos = j.find("bos_token_id");
    if (bos != j.end() && !bos->is_null()) {
        if (!bos->is_number_integer())
            badKey(where, "bos_token_id", "an integer or null", *bos);
        c.bosTokenId = tokenId(*bos, "bos_token_id", c.vocabSize, where);
    }
    c.eosTokenIds = parseEos(j, c.vocabSize, where);
    c.torchDtype = optionalString(j, "torch_dtype", optionalString(j, "dtype", "", where), where);
    c.slidingWindow = nullablePositiveInt(j, "sliding_window", where);
    c.layerTypes = parseLayerTypes(j, c.numLayers, where);
    c.activation = readActivation(j, spec->activationKey, "silu", className, where);
    c.weightPrefix = spec->layouts.front().prefix;
    c.lmHeadName = spec->layouts.front().lmHead;
    c.skippedComponents = spec->skipped;
    spec->applyQuirks(j, c, where);
    if (!c.slidingWindow)
        c.layerTypes.clear();
    else if (c.layerTypes.empty())
        c.layerTypes.assign(static_cast<std::size_t>(c.numLayers), LayerType::Full);
    return c;
}

ModelHeadShape parseModelHeadShape(std::string_view jsonText, const std::string& source)
{
    const json j = json_input::parse(jsonText, source);
    json_input::requireObject(j, source, "a Hugging Face config.json");
    // A class HeadScope runs: its family's defaults fill what the file omits (a Gemma 3
    // multimodal text_config lists no head counts at all). Any other class (or a config that
    // names none): the head layout alone.
    auto arch = j.find("architectures");
    if (arch != j.end() && arch->is_array() && !arch->empty() && (*arch)[0].is_string() &&
        arch::findByClassName((*arch)[0].get<std::string>())) {
        try {
            const ModelConfig c = parseModelConfig(jsonText, source);
            return ModelHeadShape{c.numLayers, c.numHeads, c.numKvHeads, nameOrPath(j)};
        } catch (const Error&) {
            // refused or incomplete elsewhere (an MoE MLP, no vocab_size): read the heads alone
        }
    }
    const bool nested = !j.contains("num_hidden_layers") && j.contains("text_config") && j["text_config"].is_object();
    const json& t = nested ? j["text_config"] : j;
    const std::string where = nested ? source + " text_config" : source;
    ModelHeadShape s;
    // requirePositiveInt holds each count to kMaxModelLayers / kMaxModelHeads (docs/input_limits.md),
    // so a score matrix sized from them stays small.
    s.layers = requirePositiveInt(t, "num_hidden_layers", where);
    s.queryHeads = requirePositiveInt(t, "num_attention_heads", where);
    s.kvHeads = optionalPositiveInt(t, "num_key_value_heads", s.queryHeads, where);
    checkPlausibleSize(s.layers, s.queryHeads, s.kvHeads, where);
    if (s.queryHeads % s.kvHeads != 0)
        throw FormatError(where + ": num_attention_heads (" + std::to_string(s.queryHeads) +
                          ") must be a multiple of num_key_value_heads (" + std::to_string(s.kvHeads) + ")");
    s.nameOrPath = nameOrPath(j);
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
    const arch::ArchitectureSpec& spec = arch::specFor(c);
    json j;
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
    j["hidden_act"] = c.activation == Activation::GeluTanh ? "gelu_pytorch_tanh" : "silu";
    j["rope_scaling"] = ropeScalingToJson(c.ropeScaling);
    if (c.partialRotaryFactor != 1.0)
        j["partial_rotary_factor"] = c.partialRotaryFactor;
    if (c.bosTokenId)
        j["bos_token_id"] = *c.bosTokenId;
    if (c.eosTokenIds.size() == 1)
        j["eos_token_id"] = c.eosTokenIds.front();
    else if (!c.eosTokenIds.empty())
        j["eos_token_id"] = c.eosTokenIds;
    if (!c.torchDtype.empty())
        j["torch_dtype"] = c.torchDtype;
    spec.writeQuirks(c, j);
    if (std::string(spec.textConfigKey).empty()) {
        j["architectures"] = json::array({spec.hfClassName});
        return j.dump(2) + "\n";
    }
    j["model_type"] = arch::specFor(c.architecture).modelType; // the text-only class's, e.g. "gemma3_text"
    json outer;
    outer["architectures"] = json::array({spec.hfClassName});
    outer["model_type"] = spec.modelType;
    outer[spec.textConfigKey] = j;
    for (const char* key : {"bos_token_id", "eos_token_id", "torch_dtype"})
        if (j.contains(key))
            outer[key] = j[key];
    return outer.dump(2) + "\n";
}

LayerType ModelConfig::layerType(int64_t layer) const
{
    return layer >= 0 && layer < static_cast<int64_t>(layerTypes.size()) ? layerTypes[static_cast<std::size_t>(layer)]
                                                                         : LayerType::Full;
}

int64_t ModelConfig::layerWindow(int64_t layer) const
{
    return layerType(layer) == LayerType::Sliding && slidingWindow ? *slidingWindow : 0;
}

bool ModelConfig::hasSlidingLayers() const
{
    for (int64_t l = 0; l < numLayers; ++l)
        if (layerWindow(l) > 0)
            return true;
    return false;
}

RopeParameters ModelConfig::ropeFor(int64_t layer) const
{
    if (localRopeTheta && layerType(layer) == LayerType::Sliding)
        return RopeParameters{*localRopeTheta, RopeScaling{}};
    return RopeParameters{ropeTheta, ropeScaling};
}

double ModelConfig::attentionScale() const
{
    return 1.0 / std::sqrt(queryPreAttnScalar ? *queryPreAttnScalar : static_cast<double>(headDim));
}

int64_t ModelConfig::parameterCount() const
{
    const int64_t q = numHeads * headDim, kv = numKvHeads * headDim;
    int64_t perLayer = hiddenSize * q + 2 * hiddenSize * kv + q * hiddenSize // q, k, v, o
                       + 3 * hiddenSize * intermediateSize                   // gate, up, down
                       + 2 * hiddenSize;                                     // input and MLP-input norms
    if (attentionBias)
        perLayer += q + 2 * kv;
    if (qkNorm)
        perLayer += 2 * headDim;
    if (sublayerOutputNorms)
        perLayer += 2 * hiddenSize;
    const int64_t embed = vocabSize * hiddenSize;
    return numLayers * perLayer + embed + (tieWordEmbeddings ? 0 : embed) + hiddenSize;
}

std::string layerRangesText(const std::vector<int64_t>& layers)
{
    std::string out;
    for (std::size_t i = 0; i < layers.size();) {
        std::size_t k = i;
        while (k + 1 < layers.size() && layers[k + 1] == layers[k] + 1)
            ++k;
        out += (out.empty() ? "" : ", ") + std::to_string(layers[i]);
        if (k > i)
            out += "-" + std::to_string(layers[k]);
        i = k + 1;
    }
    return out;
}

std::string describeLayerTypes(const ModelConfig& c)
{
    std::vector<int64_t> local, global;
    for (int64_t l = 0; l < c.numLayers; ++l)
        (c.layerWindow(l) > 0 ? local : global).push_back(l);
    if (local.empty())
        return {};
    std::ostringstream os;
    os << "local (window " << *c.slidingWindow;
    if (c.localRopeTheta)
        os << ", RoPE θ " << *c.localRopeTheta;
    os << ") ×" << local.size() << ": " << layerRangesText(local);
    if (!global.empty())
        os << "; global ×" << global.size() << ": " << layerRangesText(global);
    return os.str();
}

} // namespace headscope
