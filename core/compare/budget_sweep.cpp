#include "headscope/core/budget_sweep.h"

#include "headscope/core/budget_configs.h"

#include "headscope/core/errors.h"
#include "headscope/core/gates.h"
#include "headscope/core/tokenizer.h"

namespace headscope {

namespace {

SweepOutcome score(const GenerateResult& r, const Tokenizer& tokenizer, const Needle& needle)
{
    SweepOutcome o;
    o.text = tokenizer.decode(r.generatedIds);
    o.rouge1 = rouge1Recall(needle.realNeedle, o.text);
    o.qaF1 = qaF1Score(o.text, needle.answer);
    o.kvBytes = r.kvBytes;
    return o;
}

} // namespace

std::vector<SweepTest> buildNeedleGrid(const Tokenizer& tokenizer, const std::string& haystack,
                                       const std::vector<Needle>& needles, const std::vector<int>& lengths,
                                       const std::vector<double>& depths, const PromptOptions& options)
{
    std::vector<SweepTest> tests;
    for (int length : lengths)
        for (double depth : depths)
            for (std::size_t n = 0; n < needles.size(); ++n) {
                const BuiltPrompt prompt = buildPrompt(tokenizer, haystack, needles[n], length, depth, options);
                SweepTest t;
                t.info = {static_cast<int>(tests.size()), length, depth, static_cast<int>(n),
                          static_cast<int64_t>(prompt.ids.size())};
                t.promptIds = prompt.ids;
                t.needle = needles[n];
                tests.push_back(std::move(t));
            }
    return tests;
}

SweepResults runBudgetSweep(Generator& engine, const Tokenizer& tokenizer, const std::vector<SweepTest>& tests,
                            const SweepConfig& config, const std::function<void(const SweepProgress&)>& progress,
                            std::stop_token stop)
{
    const ModelConfig& model = engine.config();
    if (tests.empty())
        throw UsageError("sweep: no tests");
    checkBudgetRequest(config.methods, config.budgets, config.params, config.scores, model, "sweep");

    SweepResults results;
    results.methods = config.methods;
    results.budgets = config.budgets;
    for (const SweepTest& t : tests)
        results.tests.push_back(t.info);
    results.compressed.resize(config.methods.size() * config.budgets.size() * tests.size());

    SweepProgress p;
    p.total = static_cast<int>(tests.size() * (1 + config.methods.size() * config.budgets.size()));
    auto report = [&](std::string label) {
        ++p.done;
        p.label = std::move(label);
        if (progress)
            progress(p);
    };

    GenerateOptions options = config.generation;
    options.compression = nullptr;
    for (std::size_t t = 0; t < tests.size(); ++t) {
        results.full.push_back(score(engine.generate(tests[t].promptIds, options, nullptr, stop), tokenizer, tests[t].needle));
        report("full cache, test " + std::to_string(tests[t].info.id));
    }
    for (std::size_t m = 0; m < config.methods.size(); ++m)
        for (std::size_t b = 0; b < config.budgets.size(); ++b)
            for (std::size_t t = 0; t < tests.size(); ++t) {
                options.compression = compressionForBudget(config.methods[m], config.budgets[b],
                                                           tests[t].info.promptLength, config.params,
                                                           config.scores ? &*config.scores : nullptr,
                                                           config.compression, model);
                results.at(m, b, t) = score(engine.generate(tests[t].promptIds, options, nullptr, stop), tokenizer,
                                            tests[t].needle);
                report(config.methods[m] + " C=" + std::to_string(config.budgets[b]) + ", test " +
                       std::to_string(tests[t].info.id));
            }
    return results;
}

} // namespace headscope
