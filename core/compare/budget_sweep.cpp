#include "headscope/core/budget_sweep.h"
#include "headscope/core/shard.h"

#include "headscope/core/answer_scoring.h"
#include "headscope/core/budget_configs.h"
#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

namespace headscope {

namespace {

SweepOutcome score(const GenerateResult& r, const Tokenizer& tokenizer, const Needle& needle)
{
    AnswerScore answer = scoreAnswer(tokenizer, r.generatedIds, needle);
    SweepOutcome o;
    o.text = std::move(answer.text);
    o.rouge1 = answer.rouge1;
    o.qaF1 = answer.qaF1;
    o.kvBytes = r.kvBytes;
    return o;
}

} // namespace

std::vector<SweepTest> buildNeedleGrid(const PreparedProbe& probe, const Tokenizer& tokenizer)
{
    std::vector<SweepTest> tests;
    for (const ProbeGridTest& g : probeGrid(probe.request)) {
        const Needle& needle = probe.request.needles[static_cast<std::size_t>(g.needle)];
        const BuiltPrompt prompt = buildPrompt(tokenizer, probe.haystackText, needle, g.length, g.depth, probe.prompt);
        SweepTest t;
        t.info = {g.index, g.length, g.depth, g.needle, static_cast<int64_t>(prompt.ids.size())};
        t.promptIds = prompt.ids;
        t.needle = needle;
        tests.push_back(std::move(t));
    }
    return tests;
}

void validateSweepParams(const SweepConfig& config)
{
    checkBudgetParams(config.methods, config.budgets, config.params, "sweep");
    validateSweepShard(config.shardIndex, config.shardCount);
}

SweepResults runBudgetSweep(Generator& engine, const Tokenizer& tokenizer, const std::vector<SweepTest>& allTests,
                            const SweepConfig& config, const std::function<void(const SweepProgress&)>& progress,
                            std::stop_token stop)
{
    const ModelConfig& model = engine.config();
    if (allTests.empty())
        throw UsageError("sweep: no tests");
    validateSweepShard(config.shardIndex, config.shardCount);
    std::vector<SweepTest> tests;
    for (std::size_t k = 0; k < allTests.size(); ++k)
        if (inShard(static_cast<int64_t>(k), config.shardIndex, config.shardCount))
            tests.push_back(allTests[k]);
    if (tests.empty())
        throw UsageError("sweep: shard " + std::to_string(config.shardIndex) + "/" + std::to_string(config.shardCount) +
                         " holds no test: the sweep has " + std::to_string(allTests.size()) +
                         " tests; use at most that many shards");
    checkBudgetRequest(config.methods, config.budgets, config.params, config.scores, model, "sweep");

    SweepResults results;
    results.shardIndex = config.shardIndex;
    results.shardCount = config.shardCount;
    results.testsTotal = static_cast<int>(allTests.size());
    for (AllocationMethod m : config.methods)
        results.methods.emplace_back(allocationMethodName(m));
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
                report(results.methods[m] + " C=" + std::to_string(config.budgets[b]) + ", test " +
                       std::to_string(tests[t].info.id));
            }
    return results;
}

} // namespace headscope
