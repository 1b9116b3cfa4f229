#include "model_shape_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/model_config.h"

#include <filesystem>

namespace headscope::cli {

void addModelShapeOptions(ArgParser& p)
{
    p.option("model", "DIR", "checkpoint directory whose config.json gives layers, query heads and KV heads")
        .option("config", "config.json", "a model's config.json (instead of --model)")
        .option("layers", "L", "model layers (overrides the config)")
        .option("heads", "H", "model query heads (overrides the config)")
        .option("kv-heads", "K", "model KV heads (overrides the config)");
}

ModelShapeArgs modelShapeFromArgs(const ArgParser& p)
{
    ModelShapeArgs s;
    if (p.has("model") && p.has("config"))
        throw UsageError("give --model DIR or --config config.json, not both");
    std::filesystem::path config;
    if (auto model = p.optional("model")) {
        config = *model;
        if (std::filesystem::is_directory(config))
            config /= "config.json";
        s.modelName = std::filesystem::path(*model).lexically_normal().filename().string();
        if (s.modelName.empty() || s.modelName == ".")
            s.modelName = std::filesystem::absolute(*model).lexically_normal().parent_path().filename().string();
    } else if (auto file = p.optional("config")) {
        config = *file;
    }
    if (!config.empty()) {
        s.configText = readFileBytes(config, p.has("model") ? "--model config.json" : "--config");
        s.configPath = config.string();
        const ModelHeadShape shape = parseModelHeadShape(s.configText, s.configPath);
        s.layers = static_cast<int>(shape.layers);
        s.queryHeads = static_cast<int>(shape.queryHeads);
        s.kvHeads = static_cast<int>(shape.kvHeads);
        if (s.modelName.empty())
            s.modelName = shape.nameOrPath;
    }
    if (p.has("layers"))
        s.layers = p.intValue("layers");
    if (p.has("heads"))
        s.queryHeads = p.intValue("heads");
    if (p.has("kv-heads"))
        s.kvHeads = p.intValue("kv-heads");
    for (const auto& [value, name] : {std::pair{s.layers, "--layers"}, {s.queryHeads, "--heads"}, {s.kvHeads, "--kv-heads"}})
        if (value && *value <= 0)
            throw UsageError(std::string(name) + ": expected a positive count, got " + std::to_string(*value));
    return s;
}

ScoreFileImportOptions importOptionsFor(const ModelShapeArgs& shape)
{
    ScoreFileImportOptions o;
    o.layers = shape.layers;
    o.queryHeads = shape.queryHeads;
    o.kvHeads = shape.kvHeads;
    return o;
}

} // namespace headscope::cli
