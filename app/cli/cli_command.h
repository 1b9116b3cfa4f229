#pragma once
// Subcommand registry of headscope-cli. Each subcommand lives in its own cmd_<name>.cpp and
// registers itself with a static HEADSCOPE_CLI_COMMAND(...) at namespace scope; main.cpp
// dispatches. Commands throw headscope::Error on bad input; main() prints it to stderr and
// returns a non-zero exit code.
#include <functional>
#include <string>
#include <vector>

namespace headscope::cli {

struct CliCommand {
    std::string name;
    std::string summary;                                      // one line for `headscope-cli --help`
    std::function<int(const std::vector<std::string>& args)> run; // args exclude the command name
};

bool registerCommand(CliCommand command);
const std::vector<CliCommand>& commands();

} // namespace headscope::cli

#define HEADSCOPE_CLI_CONCAT_(a, b) a##b
#define HEADSCOPE_CLI_CONCAT(a, b) HEADSCOPE_CLI_CONCAT_(a, b)
#define HEADSCOPE_CLI_COMMAND(...)                                                           \
    static const bool HEADSCOPE_CLI_CONCAT(kRegistered_, __LINE__) =                         \
        ::headscope::cli::registerCommand(::headscope::cli::CliCommand{__VA_ARGS__})
