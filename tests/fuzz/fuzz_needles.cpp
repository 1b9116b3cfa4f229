// libFuzzer: needles JSONL → parseNeedles. Accepted needles survive needlesToJsonl and back.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/probe_config.h"

#include <cstdint>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    std::vector<Needle> needles;
    try {
        needles = parseNeedles(std::string(fuzz::asText(data, size)), "needles.jsonl");
    } catch (const Error&) {
        return 0;
    }
    HEADSCOPE_FUZZ_CHECK(!needles.empty());
    const std::vector<Needle> again = parseNeedles(needlesToJsonl(needles), "round trip");
    HEADSCOPE_FUZZ_CHECK(again.size() == needles.size());
    for (std::size_t i = 0; i < needles.size(); ++i) {
        HEADSCOPE_FUZZ_CHECK(again[i].needle == needles[i].needle && again[i].question == needles[i].question);
        HEADSCOPE_FUZZ_CHECK(again[i].realNeedle == needles[i].realNeedle && again[i].answer == needles[i].answer);
    }
    return 0;
}
