// libFuzzer: chat templates (the Jinja subset of docs/tokenizers.md) → renderChatTemplate.
// Input: the template, then optionally a NUL and the variables as JSON (default: one user turn,
// add_generation_prompt, bos/eos tokens). Refusal is a headscope::Error (syntax, unimplemented
// construct, type error, raise_exception, a template exceeding the render limits); anything else
// — a crash, a stack overflow on deep nesting, a hang, runaway memory — is a finding.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace headscope;

namespace {
constexpr std::string_view kDefaultVariables =
    R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],)"
    R"( "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})";
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    const std::string_view input = fuzz::asText(data, size);
    const std::size_t nul = input.find('\0');
    const std::string_view source = input.substr(0, nul);
    const std::string_view variables = nul == std::string_view::npos ? kDefaultVariables : input.substr(nul + 1);
    try {
        const std::string once = renderChatTemplate(source, variables);
        HEADSCOPE_FUZZ_CHECK(once.size() <= std::size_t{16} << 20); // the renderer's output limit, docs/input_limits.md
    } catch (const Error&) {
    }
    return 0;
}
