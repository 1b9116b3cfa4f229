// libFuzzer: headscope-cli argument lists → ArgParser (app/cli/arg_parser.cpp) and the list
// parsers the subcommands apply to option values (ints, numbers, heads, depths). The input is
// the arguments separated by NUL bytes. A refusal is a UsageError; nothing else may escape.
#include "fuzz_support.h"

#include "arg_parser.h"
#include "head_list.h"

#include "headscope/core/errors.h"
#include "headscope/core/probe_config.h"

#include <cstdint>
#include <iostream>

using namespace headscope;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::cout.setstate(std::ios::failbit); // --help prints usage; keep the fuzzer's output readable
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    std::vector<std::string> args;
    const std::string_view input = fuzz::asText(data, size);
    for (std::size_t begin = 0; begin <= input.size();) {
        const std::size_t end = std::min(input.find('\0', begin), input.size());
        args.emplace_back(input.substr(begin, end - begin));
        begin = end + 1;
    }
    // The shape of a real subcommand: required, defaulted and plain options, flags, positionals.
    cli::ArgParser p("probe", "fuzzed");
    p.option("model", "DIR", "checkpoint", true)
        .option("lengths", "N,N", "context lengths", false, "1000,2000")
        .option("depths", "D,D", "needle depths", false, "0,50,100")
        .option("top-k", "K", "top-k", false, "10")
        .option("threshold", "X", "gate threshold", false, "50")
        .option("heads", "L-H,...", "heads")
        .flag("resume", "resume")
        .flag("json", "json")
        .positional("session", "session file", !args.empty() && !args[0].empty() && (args[0][0] & 1));
    try {
        if (!p.parse(args))
            return 0;
    } catch (const UsageError&) {
        return 0;
    }
    HEADSCOPE_FUZZ_CHECK(p.has("model"));
    auto attempt = [](auto&& f) {
        try {
            f();
        } catch (const UsageError&) {
        }
    };
    attempt([&] { (void)p.intValue("top-k"); });
    attempt([&] { (void)p.doubleValue("threshold"); });
    attempt([&] { (void)cli::parseIntList(p.value("lengths"), "--lengths"); });
    attempt([&] { (void)cli::parseDoubleList(p.value("threshold"), "--threshold"); });
    attempt([&] { (void)parseDepths(p.value("depths")); });
    if (p.has("heads"))
        attempt([&] { (void)cli::parseHeadList(p.value("heads")); });
    for (const std::string& a : p.positionals())
        attempt([&] { (void)cli::parseIntList(a, "positional"); });
    (void)p.usage();
    return 0;
}
