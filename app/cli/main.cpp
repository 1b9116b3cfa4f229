// headscope-cli: the headless twin of the GUI. Dispatches to the subcommands listed in
// commands.cpp and is the error boundary: every headscope::Error ends here as one line on
// stderr and a non-zero exit code.
#include "commands.h"

#include "headscope/core/errors.h"
#include "headscope/core/runtime_setup.h"

#include <algorithm>
#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace headscope::cli {

namespace {
void printUsage(std::ostream& os)
{
    os << "usage: headscope-cli <command> [options]\n"
          "       headscope-cli --version\n\n"
          "HeadScope " HEADSCOPE_VERSION " — which attention heads matter, and per-head KV budgets.\n\n"
          "commands:\n";
    for (const CliCommand& c : commands()) {
        const std::string name = c.name;
        os << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ') << c.summary << "\n";
    }
    os << "\nRun 'headscope-cli <command> --help' for a command's options.\n";
}
} // namespace

} // namespace headscope::cli

int main(int argc, char** argv)
{
    using namespace headscope;
    configureAllocator();
    // A file-size limit (ulimit -f) then fails the write with EFBIG, which the writer reports
    // with the file's name, instead of killing the process mid-write.
    std::signal(SIGXFSZ, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        cli::printUsage(std::cout);
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        std::cout << "headscope-cli " HEADSCOPE_VERSION "\n";
        return 0;
    }
    const auto cmds = cli::commands();
    auto it = std::find_if(cmds.begin(), cmds.end(), [&](const cli::CliCommand& c) { return args[0] == c.name; });
    if (it == cmds.end()) {
        std::cerr << "headscope-cli: unknown command '" << args[0] << "'\n";
        cli::printUsage(std::cerr);
        return 2;
    }
    try {
        return it->run(cli::CommandArgs(args.begin() + 1, args.end()));
    } catch (const UsageError& e) {
        std::cerr << "headscope-cli " << args[0] << ": " << e.what() << "\n";
        return 2;
    } catch (const CancelledError& e) {
        std::cerr << "headscope-cli " << args[0] << ": cancelled\n";
        return 130;
    } catch (const Error& e) {
        std::cerr << "headscope-cli " << args[0] << ": error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "headscope-cli " << args[0] << ": internal error: " << e.what() << "\n";
        return 1;
    }
}
