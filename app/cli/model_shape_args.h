#pragma once
// --model DIR | --config config.json (and --layers/--heads/--kv-heads) for the commands that
// check or shape head scores against a model: layers, query heads and KV heads.
#include "arg_parser.h"

#include "headscope/core/score_file.h"

#include <optional>
#include <string>

namespace headscope::cli {

struct ModelShapeArgs {
    std::optional<int> layers, queryHeads, kvHeads;
    std::string configPath; // empty when no config.json was given
    std::string configText;
    std::string modelName;  // the checkpoint directory's name, or the config's "_name_or_path"
};

void addModelShapeOptions(ArgParser& p);
// Explicit --layers/--heads/--kv-heads override the config's values.
ModelShapeArgs modelShapeFromArgs(const ArgParser& p);
ScoreFileImportOptions importOptionsFor(const ModelShapeArgs& shape);

} // namespace headscope::cli
