#pragma once
// A small declarative argument parser for headscope-cli subcommands.
//   ArgParser p("generate", "Greedy generation from a checkpoint");
//   p.option("model", "DIR", "checkpoint directory", /*required=*/true);
//   p.flag("json", "print machine-readable output");
//   if (!p.parse(args)) return 0;           // --help was printed
//   std::string dir = p.value("model");
// Accepts "--name value" and "--name=value". Unknown or missing options throw UsageError
// naming the option; --help prints generated usage to stdout.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace headscope::cli {

class ArgParser {
public:
    ArgParser(std::string command, std::string description);

    ArgParser& option(const std::string& name, const std::string& metavar, const std::string& help,
                      bool required = false, std::optional<std::string> defaultValue = std::nullopt);
    ArgParser& flag(const std::string& name, const std::string& help);
    ArgParser& positional(const std::string& name, const std::string& help, bool repeated = false);
    ArgParser& note(const std::string& text); // extra paragraph in --help (e.g. "one of --a | --b")

    // Returns false if --help was requested (usage printed). Throws UsageError otherwise on error.
    bool parse(const std::vector<std::string>& args);

    bool has(const std::string& name) const;   // option given (or has a default), or flag set
    bool given(const std::string& name) const; // on the command line (a default does not count)
    std::string value(const std::string& name) const; // throws UsageError if absent
    std::optional<std::string> optional(const std::string& name) const;
    int intValue(const std::string& name) const;
    // Numbers are finite: nan and inf are refused naming the option. The ranged forms also
    // refuse values outside [lo, hi], naming the option, the range and the value.
    double doubleValue(const std::string& name) const;
    int intValue(const std::string& name, int lo, int hi) const;
    double doubleValue(const std::string& name, double lo, double hi) const;
    const std::vector<std::string>& positionals() const { return m_positionalValues; }

    std::string usage() const;

private:
    struct Spec {
        std::string name, metavar, help;
        bool isFlag = false;
        bool required = false;
        std::optional<std::string> defaultValue;
    };
    std::string m_command, m_description;
    std::vector<Spec> m_specs;
    std::vector<std::pair<std::string, std::string>> m_positionalSpecs;
    bool m_repeatedPositional = false;
    std::vector<std::string> m_notes;
    std::map<std::string, std::string> m_values;
    std::vector<std::string> m_positionalValues;

    const Spec* find(const std::string& name) const;
};

// Parses "1,2,3" into ints (doubles: finite); throws UsageError naming `what` on a bad element.
std::vector<int> parseIntList(const std::string& text, const std::string& what);
std::vector<double> parseDoubleList(const std::string& text, const std::string& what);
// A random seed: a decimal integer in 0..2^64-1 (no sign); throws UsageError naming `what`.
uint64_t parseSeed(const std::string& text, const std::string& what);

} // namespace headscope::cli
