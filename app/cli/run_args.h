#pragma once
// Options shared by the commands that run the model (generate, compare, sweep): device and
// dtype, the prompt (text, file or ids, optional chat template), and the compressed cache.
#include "arg_parser.h"

#include "headscope/core/compression.h"
#include "headscope/core/haystack.h"
#include "headscope/engine/engine.h"
#include "headscope/core/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace headscope::cli {

void addLoadOptions(ArgParser& p);     // --device --gpu --dtype
LoadOptions loadOptionsFromArgs(const ArgParser& p);

void addPromptOptions(ArgParser& p);   // --prompt --prompt-file --prompt-ids --chat --add-bos
bool hasPrompt(const ArgParser& p);
// Exactly one prompt source; text needs the checkpoint's tokenizer.
std::vector<int32_t> promptFromArgs(const ArgParser& p, const std::optional<Tokenizer>& tokenizer,
                                    const std::filesystem::path& modelDir);

std::optional<Tokenizer> tokenizerIfPresent(const std::filesystem::path& modelDir);

// --haystack_dir DIR | --synthetic-haystack [--seed S]: the probe's haystack choice.
void addHaystackOptions(ArgParser& p);
// `command` names the caller in the error when neither or both are given.
HaystackSpec haystackFromArgs(const ArgParser& p, const std::string& command);

// --pooling --kernel --layout --score-agg --cap-agg: how a budget file is applied.
void addCompressionOptions(ArgParser& p);
std::shared_ptr<CompressionSpec> compressionFromArgs(const ArgParser& p, BudgetPlan plan);

} // namespace headscope::cli
