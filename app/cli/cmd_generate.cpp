// headscope-cli generate: greedy generation with the shared decoder (full KV cache, or a
// compressed one with --budget), optional head masking for ablations.
#include "arg_parser.h"
#include "commands.h"
#include "run_args.h"

#include "headscope/core/budget_file.h"
#include "headscope/engine/engine.h"
#include "headscope/core/errors.h"
#include "headscope/core/head_list.h"
#include "headscope/core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace headscope::cli {

int runGenerate(const std::vector<std::string>& args)
{
    ArgParser p("generate", "Greedy generation from a checkpoint.");
    p.option("model", "DIR", "checkpoint directory", true);
    addPromptOptions(p);
    p.option("max-new-tokens", "N", "tokens to generate", false, "32")
        .flag("stop-at-eos", "stop when the model emits an EOS id from config.json")
        .flag("stop-at-newline", "stop after the first generated newline (needs tokenizer.json)");
    addLoadOptions(p);
    p.option("mask-heads", "L-H,...", "zero these query heads' attention output (ablation), e.g. 15-30,16-20")
        .option("budget", "B.json", "compress the KV cache after prefill with this budget file (allocate --out)");
    addCompressionOptions(p);
    p.flag("json", "print machine-readable JSON")
        .note("Exactly one of --prompt, --prompt-file, --prompt-ids.");
    if (!p.parse(args))
        return 0;

    const LoadOptions load = loadOptionsFromArgs(p);
    const std::filesystem::path modelDir = p.value("model");
    const std::optional<Tokenizer> tokenizer = tokenizerIfPresent(modelDir);
    const std::vector<int32_t> promptIds = promptFromArgs(p, tokenizer, modelDir);

    Engine engine;
    engine.load(modelDir, load);
    GenerateOptions options;
    options.maxNewTokens = p.intValue("max-new-tokens");
    options.stopAtEos = p.has("stop-at-eos");
    if (p.has("stop-at-newline") && tokenizer)
        options.stopTokens = tokenizer->encode("\n");
    if (p.has("mask-heads"))
        options.maskedHeads = parseHeadList(p.value("mask-heads"), "--mask-heads");
    if (p.has("budget"))
        options.compression = compressionFromArgs(p, readBudgetFile(p.value("budget")));
    const GenerateResult r = engine.generate(promptIds, options);
    const std::string text = tokenizer ? tokenizer->decode(r.generatedIds) : std::string();

    if (p.has("json")) {
        nlohmann::ordered_json j;
        j["prompt_ids"] = r.promptIds;
        j["generated_ids"] = r.generatedIds;
        j["text"] = text;
        j["prefill_ms"] = r.prefillMs;
        j["decode_ms_per_token"] = r.decodeMsPerToken;
        j["kv_bytes"] = r.kvBytes;
        j["compression"] = options.compression ? options.compression->describe() : std::string("none");
        if (!r.keptPositions.empty()) {
            auto& kept = j["kept_tokens"] = nlohmann::ordered_json::array(); // [layers][stored heads]
            for (const auto& layer : r.keptPositions) {
                auto row = nlohmann::ordered_json::array();
                for (const auto& head : layer)
                    row.push_back(head.size());
                kept.push_back(row);
            }
        }
        j["device"] = engine.deviceDescription();
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return 0;
    }
    std::cout << "prompt     " << r.promptIds.size() << " tokens\n";
    std::cout << "generated ";
    for (int32_t id : r.generatedIds)
        std::cout << " " << id;
    std::cout << "\n";
    if (tokenizer)
        std::cout << "text       " << text << "\n";
    std::cout << "prefill    " << r.prefillMs << " ms\n"
              << "decode     " << r.decodeMsPerToken << " ms/token\n"
              << "kv cache   " << r.kvBytes << " bytes after prefill"
              << (options.compression ? " (" + options.compression->describe() + ")" : std::string(" (full)")) << "\n"
              << "device     " << engine.deviceDescription() << "\n";
    return 0;
}

} // namespace headscope::cli
