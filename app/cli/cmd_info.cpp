// headscope-cli info: the model card of a checkpoint, read from config.json and the
// safetensors headers (no weights are loaded, so it is instant on a 70B checkpoint too).
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/checkpoint.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace headscope::cli {

namespace {

std::string ropeText(const ModelConfig& c)
{
    switch (c.ropeScaling.type) {
    case RopeScalingType::None: return "none";
    case RopeScalingType::Linear: return "linear x" + std::to_string(c.ropeScaling.factor);
    case RopeScalingType::Llama3: return "llama3 x" + std::to_string(c.ropeScaling.factor);
    }
    return "?";
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
        o["tie_word_embeddings"] = c.tieWordEmbeddings;
        o["qkv_bias"] = c.attentionBias;
        o["sliding_window"] = c.slidingWindow ? nlohmann::json(*c.slidingWindow) : nlohmann::json(nullptr);
        o["weight_files"] = cp.weightFiles().size();
        o["weight_bytes"] = cp.weightBytes();
        std::cout << o.dump() << "\n";
        return 0;
    }
    std::cout << "architecture     " << c.architectureName << "\n"
              << "layers           " << c.numLayers << "\n"
              << "heads            " << c.numHeads << " query, " << c.numKvHeads << " key/value (group "
              << c.groupSize() << ")\n"
              << "head_dim         " << c.headDim << "\n"
              << "hidden           " << c.hiddenSize << " (intermediate " << c.intermediateSize << ")\n"
              << "vocab            " << c.vocabSize << "\n"
              << "parameters       " << c.parameterCount() << "\n"
              << "dtype            " << dtype << (c.torchDtype.empty() ? "" : " (config: " + c.torchDtype + ")") << "\n"
              << "rope             theta " << c.ropeTheta << ", scaling " << ropeText(c) << "\n"
              << "tied embeddings  " << (c.tieWordEmbeddings ? "yes" : "no") << "\n"
              << "q/k/v bias       " << (c.attentionBias ? "yes" : "no") << "\n"
              << "sliding window   " << (c.slidingWindow ? std::to_string(*c.slidingWindow) : std::string("none")) << "\n"
              << "weights          " << cp.weightFiles().size() << " file(s), " << cp.weightBytes() << " bytes\n";
    return 0;
}

} // namespace headscope::cli
