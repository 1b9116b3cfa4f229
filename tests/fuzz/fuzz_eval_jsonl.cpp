// libFuzzer: evaluation examples (JSONL in LongBench's or RULER's fields) → parseEvalJsonl, then
// what eval does with each accepted example before tokenizing: its recipe and its prompt.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/eval_data.h"

#include <cstdint>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    std::vector<EvalExample> examples;
    try {
        examples = parseEvalJsonl(std::string(fuzz::asText(data, size)), "examples.jsonl");
    } catch (const Error&) {
        return 0;
    }
    HEADSCOPE_FUZZ_CHECK(!examples.empty());
    int lastLine = 0;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        const EvalExample& ex = examples[i];
        HEADSCOPE_FUZZ_CHECK(ex.index == static_cast<int>(i));
        HEADSCOPE_FUZZ_CHECK(ex.line > lastLine);
        lastLine = ex.line;
        HEADSCOPE_FUZZ_CHECK(!ex.answers.empty());
        HEADSCOPE_FUZZ_CHECK(!ex.maxNewTokens || *ex.maxNewTokens >= 1);
        HEADSCOPE_FUZZ_CHECK(!ex.length || *ex.length >= 0);
        const std::optional<DatasetRecipe> recipe = recipeFor(ex);
        if (!recipe)
            continue;
        HEADSCOPE_FUZZ_CHECK(recipe->maxNewTokens >= 1);
        try {
            const std::string prompt = fillPromptTemplate(recipe->promptTemplate, ex.context, ex.input);
            // The template's own text plus each field at most as often as the template names it.
            HEADSCOPE_FUZZ_CHECK(prompt.size() <= recipe->promptTemplate.size() + 8 * (ex.context.size() + ex.input.size()));
        } catch (const Error&) {
        }
    }
    return 0;
}
