// headscope-cli compare: the same prompt with the full cache and with a compressed cache side by
// side: tokens, first divergence, per-step KL and top-1 agreement (teacher-forced on the full
// run), which needle tokens each head kept, prefill/decode time and KV bytes.
#include "arg_parser.h"
#include "commands.h"
#include "head_list.h"
#include "run_args.h"

#include "headscope/core/budget_file.h"
#include "headscope/core/comparison.h"
#include "headscope/core/compression.h"
#include "headscope/core/errors.h"
#include "headscope/core/session.h"
#include "headscope/engine/engine.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace headscope::cli {

namespace {

std::string decodeOrIds(const std::optional<Tokenizer>& tokenizer, const std::vector<int32_t>& ids)
{
    if (tokenizer)
        return tokenizer->decode(ids);
    std::string s;
    for (int32_t id : ids)
        s += (s.empty() ? "" : " ") + std::to_string(id);
    return s;
}

std::string tokenText(const std::optional<Tokenizer>& tokenizer, int32_t id)
{
    return tokenizer ? tokenizer->decode(std::vector<int32_t>{id}) : std::to_string(id);
}

std::string printable(std::string s)
{
    for (char& ch : s)
        if (ch == '\n' || ch == '\t')
            ch = ' ';
    return s;
}

nlohmann::ordered_json toJson(const Comparison& c, const std::optional<Tokenizer>& tokenizer)
{
    nlohmann::ordered_json j;
    j["prompt_tokens"] = c.full.promptIds.size();
    j["compression"] = c.compression;
    j["full"] = {{"generated_ids", c.full.generatedIds}, {"text", decodeOrIds(tokenizer, c.full.generatedIds)},
                 {"prefill_ms", c.full.prefillMs}, {"decode_ms_per_token", c.full.decodeMsPerToken},
                 {"kv_bytes", c.full.kvBytes}};
    j["compressed"] = {{"generated_ids", c.variantRun.generatedIds},
                       {"text", decodeOrIds(tokenizer, c.variantRun.generatedIds)},
                       {"prefill_ms", c.variantRun.prefillMs},
                       {"decode_ms_per_token", c.variantRun.decodeMsPerToken},
                       {"kv_bytes", c.variantRun.kvBytes}};
    j["first_divergence"] = c.firstDivergence ? nlohmann::ordered_json(*c.firstDivergence) : nlohmann::ordered_json();
    j["mean_kl"] = c.meanKl;
    j["max_kl"] = c.maxKl;
    j["top1_agreement"] = c.top1Agreement;
    auto& steps = j["steps"] = nlohmann::ordered_json::array();
    for (const StepComparison& s : c.steps)
        steps.push_back({{"full", s.fullToken}, {"compressed_top1", s.variantTop1}, {"kl", s.kl}});
    if (c.needleLength > 0) {
        j["needle_length"] = c.needleLength;
        j["needle_kept"] = c.needleKept; // [layers][stored heads]
        j["needle_kept_fraction"] = c.needleKeptFraction;
    }
    return j;
}

void printText(const Comparison& c, const std::optional<Tokenizer>& tokenizer)
{
    std::printf("prompt        %zu tokens\ncompression   %s\n\n", c.full.promptIds.size(), c.compression.c_str());
    std::printf("full          %s\ncompressed    %s\n", printable(decodeOrIds(tokenizer, c.full.generatedIds)).c_str(),
                printable(decodeOrIds(tokenizer, c.variantRun.generatedIds)).c_str());
    if (c.firstDivergence)
        std::printf("diverges at   step %d\n", *c.firstDivergence);
    else
        std::printf("diverges at   never (identical tokens)\n");
    std::printf("\nstep  full              compressed top-1   KL(full||compr)\n");
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
        const StepComparison& s = c.steps[i];
        std::printf("%4zu  %-16s  %-16s %s %10.3g\n", i, printable(tokenText(tokenizer, s.fullToken)).substr(0, 16).c_str(),
                    printable(tokenText(tokenizer, s.variantTop1)).substr(0, 16).c_str(),
                    s.variantTop1 == s.fullToken ? " " : "*", s.kl);
    }
    std::printf("mean KL %.4g nats, max %.4g; top-1 agreement %.1f%% (teacher-forced on the full run)\n", c.meanKl,
                c.maxKl, 100.0 * c.top1Agreement);
    if (c.needleLength > 0) {
        std::printf("\nneedle tokens kept (of %lld), per layer over stored heads: min / mean / max\n",
                    static_cast<long long>(c.needleLength));
        for (std::size_t l = 0; l < c.needleKept.size(); ++l) {
            const auto& row = c.needleKept[l];
            int64_t lo = row.empty() ? 0 : row.front(), hi = lo, sum = 0;
            for (int64_t n : row) {
                lo = std::min(lo, n);
                hi = std::max(hi, n);
                sum += n;
            }
            std::printf("  layer %3zu  %4lld / %6.1f / %4lld\n", l, static_cast<long long>(lo),
                        row.empty() ? 0.0 : static_cast<double>(sum) / static_cast<double>(row.size()),
                        static_cast<long long>(hi));
        }
        std::printf("  overall %.1f%% of needle tokens kept\n", 100.0 * c.needleKeptFraction);
    }
    std::printf("\n              full          compressed\n");
    std::printf("prefill ms    %-12.2f  %-12.2f\n", c.full.prefillMs, c.variantRun.prefillMs);
    std::printf("decode ms/tok %-12.3f  %-12.3f\n", c.full.decodeMsPerToken, c.variantRun.decodeMsPerToken);
    std::printf("KV bytes      %-12lld  %-12lld (%.1f× fewer)\n", static_cast<long long>(c.full.kvBytes),
                static_cast<long long>(c.variantRun.kvBytes),
                c.variantRun.kvBytes > 0 ? static_cast<double>(c.full.kvBytes) / static_cast<double>(c.variantRun.kvBytes)
                                         : 0.0);
}

} // namespace

int runCompare(const std::vector<std::string>& args)
{
    ArgParser p("compare", "Full cache vs compressed cache on the same prompt, side by side.");
    p.option("model", "DIR", "checkpoint directory", true)
        .option("budget", "B.json", "budget file (allocate --out)", true);
    addPromptOptions(p);
    p.option("session", "S.h5", "take the prompt and needle span of a probe test from this session")
        .option("test", "N", "test id in --session")
        .option("max-new-tokens", "N", "tokens to generate", false, "32")
        .flag("stop-at-eos", "stop when the model emits an EOS id")
        .flag("stop-at-newline", "stop after the first generated newline (needs tokenizer.json)");
    addLoadOptions(p);
    p.option("mask-heads", "L-H,...", "zero these query heads in both runs");
    addCompressionOptions(p);
    p.flag("json", "print machine-readable JSON")
        .note("Prompt: exactly one of --prompt, --prompt-file, --prompt-ids, or --session with --test.");
    if (!p.parse(args))
        return 0;

    const std::filesystem::path modelDir = p.value("model");
    const std::optional<Tokenizer> tokenizer = tokenizerIfPresent(modelDir);
    ComparisonRequest request;
    if (p.has("session")) {
        if (hasPrompt(p))
            throw UsageError("compare: give either --session/--test or a prompt option, not both");
        if (!p.has("test"))
            throw UsageError("compare: --session needs --test N (see `headscope-cli inspect " + p.value("session") + "`)");
        const auto reader = SessionReader::open(p.value("session"));
        const int id = p.intValue("test");
        const SessionTest* test = reader->test(id);
        if (!test)
            throw UsageError(p.value("session") + ": no complete test " + std::to_string(id));
        request.promptIds = reader->promptIds(id);
        request.needleSpan = test->needleSpan();
        request.promptSource = "probe test " + std::to_string(id) + " of " + p.value("session");
    } else {
        request.promptIds = promptFromArgs(p, tokenizer, modelDir);
    }
    request.options.maxNewTokens = p.intValue("max-new-tokens");
    request.options.stopAtEos = p.has("stop-at-eos");
    if (p.has("stop-at-newline") && tokenizer)
        request.options.stopTokens = tokenizer->encode("\n");
    if (p.has("mask-heads"))
        request.options.maskedHeads = parseHeadList(p.value("mask-heads"));
    request.compression = compressionFromArgs(p, readBudgetFile(p.value("budget")));

    Engine engine;
    engine.load(modelDir, loadOptionsFromArgs(p));
    const Comparison c = compareGeneration(engine, request);
    // Local layers hold at most their window: what the plan gave them beyond it is reported.
    const ModelConfig& config = engine.config();
    std::optional<int64_t> beyondWindows;
    if (config.hasSlidingLayers()) {
        const CompressionSpec& cs = *request.compression;
        beyondWindows = estimateMemory(cs.plan, modelDims(config), cs.layout, KvDtype::F32,
                                       static_cast<int64_t>(request.promptIds.size()), cs.capacityAggregation)
                            .beyondWindowTokens;
    }
    if (p.has("json")) {
        auto j = toJson(c, tokenizer);
        if (beyondWindows)
            j["beyond_window_tokens"] = *beyondWindows;
        j["device"] = engine.deviceDescription();
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        printText(c, tokenizer);
        if (beyondWindows) {
            std::vector<int64_t> local;
            for (int64_t l = 0; l < config.numLayers; ++l)
                if (config.layerWindow(l) > 0)
                    local.push_back(l);
            std::printf("local layers  %s (window %lld) hold at most window - 1 prompt tokens; %lld tokens of the "
                        "plan lie beyond the windows and are not held\n",
                        layerRangesText(local).c_str(), static_cast<long long>(config.slidingWindow.value_or(0)),
                        static_cast<long long>(*beyondWindows));
        }
        std::printf("device        %s\n", engine.deviceDescription().c_str());
    }
    return 0;
}

} // namespace headscope::cli
