#include "headscope/core/eval_runner.h"
#include "headscope/core/shard.h"

#include "common/json_input.h"

#include "headscope/core/budget_configs.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace headscope {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Planned {
    const EvalExample* example;
    DatasetRecipe recipe;
    EvalMetric metric;
    int maxNewTokens;
};

std::string describe(const EvalExample& e)
{
    return "example " + std::to_string(e.index) + (e.dataset.empty() ? "" : " (" + e.dataset + ")");
}

// What the caller records plus the settings this run is defined by, for resume and merge checks.
std::string manifestFields(const EvalRunConfig& c)
{
    nlohmann::json j = c.manifestFieldsJson.empty() ? nlohmann::json::object()
                                                     : json_input::parse(c.manifestFieldsJson, "eval manifest fields");
    std::vector<std::string> methods;
    if (c.full)
        methods.emplace_back("full");
    for (AllocationMethod m : c.methods)
        methods.emplace_back(allocationMethodName(m));
    j["methods"] = methods;
    j["budgets"] = c.budgets;
    j["window"] = c.params.window;
    j["beta"] = c.params.beta;
    j["temp"] = c.params.temp;
    j["floor_alpha"] = c.params.adaFloorAlpha;
    j["compression"] = c.compression.describe();
    // The same settings field by field, so one configuration can be rebuilt later (eval_replay.h).
    j["selection"] = {{"pooling", poolingName(c.compression.pooling)},
                      {"kernel", c.compression.poolingKernel},
                      {"layout", cacheLayoutName(c.compression.layout)},
                      {"score_aggregation", groupAggregationName(c.compression.scoreAggregation)},
                      {"capacity_aggregation", groupAggregationName(c.compression.capacityAggregation)}};
    j["scores"] = c.scores ? c.scores->provenance : std::string();
    j["template"] = c.prompt.promptTemplate ? *c.prompt.promptTemplate : std::string();
    j["chat"] = c.prompt.chat;
    j["max_length"] = c.prompt.maxLength ? nlohmann::json(*c.prompt.maxLength) : nlohmann::json(nullptr);
    j["max_new_tokens"] = c.maxNewTokens ? nlohmann::json(*c.maxNewTokens) : nlohmann::json(nullptr);
    j["metric"] = c.metric ? std::string(evalMetricName(*c.metric)) : std::string();
    j["stop_at_newline"] = c.stopAtNewline;
    return j.dump();
}

} // namespace

EvalPrompt buildEvalPrompt(const Tokenizer& tokenizer, const EvalExample& example, const DatasetRecipe& recipe,
                           const EvalPromptOptions& options, int64_t maxLength)
{
    // --template replaces LongBench's templates; a RULER input is already the whole prompt.
    const std::string& promptTemplate = example.format == EvalFormat::LongBench && options.promptTemplate
                                            ? *options.promptTemplate
                                            : recipe.promptTemplate;
    std::string text = fillPromptTemplate(promptTemplate, example.context, example.input);
    const bool addBos = tokenizer.addsBosByDefault();
    EvalPrompt p;
    const std::vector<int32_t> whole = tokenizer.encode(text, addBos);
    p.originalTokens = static_cast<int64_t>(whole.size());
    if (maxLength > 0 && p.originalTokens > maxLength) {
        // Both halves are decoded without special tokens, as LongBench does, so the BOS the
        // first half carries is not doubled when the text is encoded again.
        const auto half = static_cast<std::ptrdiff_t>(maxLength / 2);
        text = tokenizer.decode(std::span<const int32_t>(whole.data(), static_cast<std::size_t>(half)), true) +
               tokenizer.decode(std::span<const int32_t>(whole.data() + whole.size() - half, static_cast<std::size_t>(half)),
                                true);
        p.truncated = true;
    }
    const bool chat = options.chat && recipe.chat;
    // A chat prompt carries its BOS in the template's text (docs/tokenizers.md).
    if (chat)
        text = tokenizer.applyChatTemplate(text, tokenizer.defaultChatTemplate());
    p.ids = tokenizer.encode(text + example.answerPrefix, !chat && addBos);
    if (p.ids.empty())
        throw FormatError(describe(example) + " (line " + std::to_string(example.line) + "): the prompt is empty");
    return p;
}

EvalRunSummary runEval(Generator& generator, const Tokenizer& tokenizer, const std::vector<EvalExample>& examples,
                       const EvalRunConfig& c, const std::function<void(const EvalProgress&)>& progress,
                       std::stop_token stop)
{
    const ModelConfig& model = generator.config();
    if (examples.empty())
        throw UsageError("eval: no examples");
    if (c.shardCount < 1 || c.shardIndex < 0 || c.shardIndex >= c.shardCount)
        throw UsageError("eval: --shard must be i/n with 0 <= i < n");
    if (!c.full && c.methods.empty())
        throw UsageError("eval: give at least one method (full, " + allocationMethodNames() + ")");
    if (!c.methods.empty())
        checkBudgetRequest(c.methods, c.budgets, c.params, c.scores, model, "eval");
    const std::vector<EvalConfigKey> configs = evalConfigs(c.full, c.methods, c.budgets);

    // Every example's recipe before anything runs, so a file the table cannot serve fails now.
    if (c.prompt.promptTemplate)
        fillPromptTemplate(*c.prompt.promptTemplate, "", ""); // a malformed template fails here
    std::vector<Planned> plan;
    for (const EvalExample& e : examples) {
        std::optional<DatasetRecipe> recipe = recipeFor(e);
        if (!recipe) { // only LongBench datasets can be missing from the table
            if (!c.prompt.promptTemplate)
                throw UsageError("eval: line " + std::to_string(e.line) + ": dataset '" + e.dataset +
                                 "' has no built-in prompt template; give --template (with {context} and {input})");
            recipe = DatasetRecipe{};
        }
        const EvalMetric metric = c.metric.value_or(recipe->metric);
        if (metric == EvalMetric::Classification && e.allClasses.empty())
            throw UsageError("eval: line " + std::to_string(e.line) +
                             ": classification accuracy needs \"all_classes\", which this example lacks");
        const int maxNew = c.maxNewTokens.value_or(e.maxNewTokens.value_or(recipe->maxNewTokens));
        plan.push_back({&e, *recipe, metric, maxNew});
    }

    const EvalManifest manifest = makeEvalManifest(manifestFields(c), configs, static_cast<int>(examples.size()),
                                                   c.shardIndex, c.shardCount, c.bootstrapSeed);
    auto writer = c.resume ? EvalWriter::resume(c.out, manifest) : EvalWriter::create(c.out, manifest);

    std::vector<const Planned*> todo;
    EvalRunSummary summary;
    for (const Planned& p : plan) {
        if (!inShard(p.example->index, c.shardIndex, c.shardCount) || writer->finished().count(p.example->index)) {
            ++summary.examplesSkipped;
            continue;
        }
        todo.push_back(&p);
    }

    std::vector<int32_t> stops = tokenizer.eosIds();
    std::vector<int32_t> newline = tokenizer.encode("\n");
    EvalProgress pr;
    pr.total = static_cast<int>(todo.size() * configs.size());
    pr.examplesTotal = static_cast<int>(todo.size());
    pr.skipped = summary.examplesSkipped;
    const auto t0 = Clock::now();
    for (const Planned* p : todo) {
        const EvalExample& e = *p->example;
        const int64_t maxLength = c.prompt.maxLength.value_or(
            model.maxPositionEmbeddings > 0 ? model.maxPositionEmbeddings - p->maxNewTokens : 0);
        const EvalPrompt prompt = buildEvalPrompt(tokenizer, e, p->recipe, c.prompt, maxLength);
        EvalRecord record;
        record.index = e.index;
        record.line = e.line;
        record.format = std::string(evalFormatName(e.format));
        record.dataset = e.dataset;
        record.id = e.id;
        record.metric = std::string(evalMetricName(p->metric));
        record.question = e.format == EvalFormat::LongBench ? e.input : std::string();
        record.answerPrefix = e.answerPrefix;
        record.answers = e.answers;
        record.allClasses = e.allClasses;
        record.length = e.length;
        record.maxLength = e.maxLength;
        record.maxNewTokens = p->maxNewTokens;
        record.promptTokens = static_cast<int64_t>(prompt.ids.size());
        record.originalTokens = prompt.originalTokens;
        record.truncated = prompt.truncated;
        record.promptIds = prompt.ids;

        GenerateOptions options;
        options.maxNewTokens = p->maxNewTokens;
        options.stopAtEos = true;
        options.stopTokens = stops;
        if (c.stopAtNewline || p->recipe.stopAtNewline)
            options.stopTokens.insert(options.stopTokens.end(), newline.begin(), newline.end());
        for (const EvalConfigKey& key : configs) {
            if (stop.stop_requested())
                throw CancelledError();
            options.compression =
                key.isFull() ? nullptr
                             : compressionForBudget(parseAllocationMethod(key.method), key.budget, record.promptTokens,
                                                    c.params, c.scores ? &*c.scores : nullptr, c.compression, model);
            const auto g0 = Clock::now();
            const GenerateResult r = generator.generate(prompt.ids, options, nullptr, stop);
            EvalOutcome o;
            o.seconds = secondsSince(g0);
            o.config = key;
            o.prediction = tokenizer.decode(r.generatedIds, /*skipSpecialTokens=*/true);
            o.score = scoreExample(p->metric, cleanPrediction(o.prediction, p->recipe.cleanup), e.answers, e.allClasses);
            o.kvBytes = r.kvBytes;
            o.prefillMs = r.prefillMs;
            o.decodeMsPerToken = r.decodeMsPerToken;
            o.generatedTokens = static_cast<int>(r.generatedIds.size());
            record.outcomes.push_back(std::move(o));
            ++pr.done;
            pr.label = describe(e) + ", " + key.label();
            pr.elapsedSeconds = secondsSince(t0);
            pr.etaSeconds = pr.elapsedSeconds / pr.done * (pr.total - pr.done);
            if (progress)
                progress(pr);
        }
        writer->append(record);
        ++summary.examplesWritten;
        ++pr.examplesDone;
    }
    summary.rows = summarizeEval(writer->records(), configs, c.bootstrapSeed, c.bootstrapResamples);
    writer->writeSummary(evalSummaryToJson(summary.rows));
    summary.seconds = secondsSince(t0);
    return summary;
}

} // namespace headscope
