// headscope-cli info: the model card of a checkpoint, read from config.json and the
// safetensors headers (no weights are loaded, so it is instant on a 70B checkpoint too).
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/checkpoint.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

namespace headscope::cli {

namespace {

std::string number(double v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

std::string ropeText(const ModelConfig& c)
{
    const RopeScaling& s = c.ropeScaling;
    switch (s.type) {
    case RopeScalingType::None: return "none";
    case RopeScalingType::Linear: return "linear x" + number(s.factor);
    case RopeScalingType::Llama3: return "llama3 x" + number(s.factor);
    case RopeScalingType::LongRope:
        return "longrope x" + number(s.factor) + " (long factors past " + std::to_string(s.originalMaxPositionEmbeddings) +
               " positions, cos/sin x" + number(s.attentionFactor) + ")";
    }
    return "?";
}

std::string optionalText(const std::optional<double>& v)
{
    return v ? number(*v) : std::string("none");
}

} // namespace

int runInfo(const std::vector<std::string>& args)
{
    ArgParser p("info", "Print the model card of a Hugging Face checkpoint directory.");
    p.option("model", "DIR", "checkpoint directory (config.json + safetensors)", true);
    p.flag("json", "print machine-readable JSON");
    if (!p.parse(args))
        return 0;
    const Checkpoint cp = Checkpoint::open(p.value("model"));
    const ModelConfig& c = cp.config();
    const std::string dtype(elementTypeName(cp.storedDtype()));
    const std::string norm = c.normStyle == NormStyle::OffsetWeight ? "(1 + w)" : "w";
    const std::string activation = c.activation == Activation::GeluTanh ? "gelu_pytorch_tanh" : "silu";
    const auto skipped = cp.skippedParts();
    if (p.has("json")) {
        nlohmann::ordered_json o;
        o["architecture"] = c.architectureName;
        o["layers"] = c.numLayers;
        o["heads"] = c.numHeads;
        o["kv_heads"] = c.numKvHeads;
        o["head_dim"] = c.headDim;
        o["hidden"] = c.hiddenSize;
        o["intermediate"] = c.intermediateSize;
        o["vocab"] = c.vocabSize;
        o["parameters"] = c.parameterCount();
        o["dtype"] = dtype;
        o["rope_theta"] = c.ropeTheta;
        o["rope_scaling"] = ropeText(c);
        o["rotary_dims"] = c.rotaryDim();
        o["local_rope_theta"] = c.localRopeTheta ? nlohmann::json(*c.localRopeTheta) : nlohmann::json(nullptr);
        o["tie_word_embeddings"] = c.tieWordEmbeddings;
        o["qkv_bias"] = c.attentionBias;
        o["qk_norm"] = c.qkNorm;
        o["norm"] = norm;
        o["sublayer_output_norms"] = c.sublayerOutputNorms;
        o["embedding_multiplier"] = c.embeddingMultiplier;
        o["attention_scale"] = c.attentionScale();
        o["attn_logit_softcap"] = c.attnLogitSoftcap ? nlohmann::json(*c.attnLogitSoftcap) : nlohmann::json(nullptr);
        o["final_logit_softcap"] = c.finalLogitSoftcap ? nlohmann::json(*c.finalLogitSoftcap) : nlohmann::json(nullptr);
        o["activation"] = activation;
        o["sliding_window"] = c.slidingWindow ? nlohmann::json(*c.slidingWindow) : nlohmann::json(nullptr);
        nlohmann::json local = nlohmann::json::array();
        for (int64_t l = 0; l < c.numLayers; ++l)
            if (c.layerWindow(l) > 0)
                local.push_back(l);
        o["sliding_layers"] = local;
        nlohmann::json skippedJson = nlohmann::json::array();
        for (const auto& s : skipped)
            skippedJson.push_back({{"part", s.description}, {"tensors", s.tensors}, {"bytes", s.bytes}});
        o["skipped"] = skippedJson;
        o["weight_files"] = cp.weightFiles().size();
        o["weight_bytes"] = cp.weightBytes();
        std::cout << o.dump() << "\n";
        return 0;
    }
    const std::string layerTypes = describeLayerTypes(c);
    std::cout << "architecture     " << c.architectureName << "\n"
              << "layers           " << c.numLayers << "\n"
              << "heads            " << c.numHeads << " query, " << c.numKvHeads << " key/value (group "
              << c.groupSize() << ")\n"
              << "head_dim         " << c.headDim << "\n"
              << "hidden           " << c.hiddenSize << " (intermediate " << c.intermediateSize << ", " << activation
              << ")\n"
              << "vocab            " << c.vocabSize << "\n"
              << "parameters       " << c.parameterCount() << "\n"
              << "dtype            " << dtype << (c.torchDtype.empty() ? "" : " (config: " + c.torchDtype + ")") << "\n"
              << "rope             theta " << c.ropeTheta << ", scaling " << ropeText(c);
    if (c.rotaryDim() != c.headDim)
        std::cout << ", rotary dims " << c.rotaryDim() << " of " << c.headDim;
    std::cout << "\n"
              << "tied embeddings  " << (c.tieWordEmbeddings ? "yes" : "no") << "\n"
              << "q/k/v bias       " << (c.attentionBias ? "yes" : "no") << "\n"
              << "norms            RMSNorm " << norm << (c.qkNorm ? ", q/k norm per head" : "")
              << (c.sublayerOutputNorms ? ", on attention and MLP outputs too" : "") << "\n"
              << "attention scale  " << c.attentionScale() << (c.queryPreAttnScalar ? " (query_pre_attn_scalar^-1/2)" : "")
              << ", soft-cap " << optionalText(c.attnLogitSoftcap) << "\n"
              << "final soft-cap   " << optionalText(c.finalLogitSoftcap) << "\n";
    if (c.embeddingMultiplier != 1.0)
        std::cout << "embedding scale  " << c.embeddingMultiplier << "\n";
    std::cout << "sliding window   "
              << (layerTypes.empty() ? std::string("none") : "layers " + layerTypes) << "\n";
    for (const auto& s : skipped)
        std::cout << "skipped          " << s.description << ": " << s.tensors << " tensors, " << s.bytes
                  << " bytes (text only; not loaded)\n";
    std::cout << "weights          " << cp.weightFiles().size() << " file(s), " << cp.weightBytes() << " bytes\n";
    return 0;
}

} // namespace headscope::cli
