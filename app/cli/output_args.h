#pragma once
// --out and --force for every command that writes: where the output goes and whether it may
// replace what is there. The rules themselves are core's (OutputTarget, output_file.h); this
// only reads the options, and makes the check before the command does any work.
#include "arg_parser.h"

#include "headscope/core/output_file.h"

#include <memory>
#include <string>

namespace headscope::cli {

// Adds --out METAVAR (required unless `required` is false) and --force.
void addOutputOptions(ArgParser& p, const std::string& metavar, const std::string& help, bool required = true);

// The target of --out, checked now (UsageError naming the path and what is there); nullptr
// when --out is optional and not given.
std::unique_ptr<OutputTarget> outputFromArgs(const ArgParser& p, OutputKind kind);

} // namespace headscope::cli
