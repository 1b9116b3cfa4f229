#pragma once
// The subcommands of headscope-cli. Each lives in its own cmd_<name>.cpp and is listed once in
// the table in commands.cpp; main.cpp dispatches. Commands throw headscope::Error on bad input;
// main() prints it to stderr and returns a non-zero exit code.
#include <span>
#include <string>
#include <vector>

namespace headscope::cli {

using CommandArgs = std::vector<std::string>; // the arguments after the command name

struct CliCommand {
    const char* name;
    const char* summary;          // one line for `headscope-cli --help`
    int (*run)(const CommandArgs&);
};

// Every subcommand, sorted by name.
std::span<const CliCommand> commands();

int runAllocate(const CommandArgs& args);
int runCompare(const CommandArgs& args);
int runEval(const CommandArgs& args);
int runEvalReport(const CommandArgs& args);
int runGenerate(const CommandArgs& args);
int runImportScores(const CommandArgs& args);
int runInfo(const CommandArgs& args);
int runInspect(const CommandArgs& args);
int runMakeTasks(const CommandArgs& args);
int runMakeTestModel(const CommandArgs& args);
int runMerge(const CommandArgs& args);
int runProbe(const CommandArgs& args);
int runScores(const CommandArgs& args);
int runSweep(const CommandArgs& args);
int runTokenize(const CommandArgs& args);
int runTrainDemo(const CommandArgs& args);

} // namespace headscope::cli
