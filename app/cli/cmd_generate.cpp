// headscope-cli generate: greedy generation with the shared decoder (full KV cache, or a
// compressed one with --budget once issue 4 lands), optional head masking for ablations.
#include "arg_parser.h"
#include "cli_command.h"
#include "head_list.h"

#include "headscope/core/engine.h"
#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace headscope::cli {

namespace {

int runGenerate(const std::vector<std::string>& args)
{
    ArgParser p("generate", "Greedy generation from a checkpoint.");
    p.option("model", "DIR", "checkpoint directory", true)
        .option("prompt", "TEXT", "prompt text (needs tokenizer.json in the checkpoint)")
        .option("prompt-file", "FILE", "read the prompt text from FILE")
        .option("prompt-ids", "1,2,3", "prompt as token ids")
        .flag("chat", "wrap the prompt in the model family's chat template")
        .flag("add-bos", "prepend BOS even if the family does not (default: the family's policy)")
        .option("max-new-tokens", "N", "tokens to generate", false, "32")
        .flag("stop-at-eos", "stop when the model emits an EOS id from config.json")
        .option("device", "cpu|cuda", "device", false, "cpu")
        .option("gpu", "N", "CUDA device index", false, "0")
        .option("dtype", "f32|bf16", "compute dtype", false, "f32")
        .option("mask-heads", "L-H,...", "zero these query heads' attention output (ablation), e.g. 15-30,16-20")
        .flag("json", "print machine-readable JSON")
        .note("Exactly one of --prompt, --prompt-file, --prompt-ids.");
    if (!p.parse(args))
        return 0;
    const int given = int(p.has("prompt")) + int(p.has("prompt-file")) + int(p.has("prompt-ids"));
    if (given != 1)
        throw UsageError("generate: give exactly one of --prompt, --prompt-file, --prompt-ids");

    LoadOptions load;
    const std::string device = p.value("device");
    if (device != "cpu" && device != "cuda")
        throw UsageError("--device: expected cpu or cuda, got '" + device + "'");
    load.device = device == "cuda" ? Device::Cuda : Device::Cpu;
    load.gpuIndex = p.intValue("gpu");
    const std::string dtype = p.value("dtype");
    if (dtype != "f32" && dtype != "bf16")
        throw UsageError("--dtype: expected f32 or bf16, got '" + dtype + "'");
    load.dtype = dtype == "bf16" ? DType::BF16 : DType::F32;

    const std::filesystem::path modelDir = p.value("model");
    std::optional<Tokenizer> tokenizer;
    if (std::filesystem::exists(modelDir / "tokenizer.json"))
        tokenizer.emplace(Tokenizer::fromDirectory(modelDir));

    std::vector<int32_t> promptIds;
    if (p.has("prompt-ids")) {
        for (int id : parseIntList(p.value("prompt-ids"), "--prompt-ids"))
            promptIds.push_back(id);
    } else {
        if (!tokenizer)
            throw UsageError("generate: " + (modelDir / "tokenizer.json").string() +
                             " not found; text prompts need a tokenizer (or use --prompt-ids)");
        std::string text;
        if (p.has("prompt")) {
            text = p.value("prompt");
        } else {
            std::ifstream in(p.value("prompt-file"), std::ios::binary);
            if (!in)
                throw LoadError(p.value("prompt-file") + ": cannot open");
            std::ostringstream os;
            os << in.rdbuf();
            text = os.str();
        }
        if (p.has("chat"))
            text = tokenizer->applyChatTemplate(text, tokenizer->defaultChatTemplate());
        const bool chatAddsBos = p.has("chat") && tokenizer->defaultChatTemplate() == ChatTemplate::Llama3;
        promptIds = tokenizer->encode(text, !chatAddsBos && (p.has("add-bos") || tokenizer->addsBosByDefault()));
    }

    Engine engine;
    engine.load(modelDir, load);
    GenerateOptions options;
    options.maxNewTokens = p.intValue("max-new-tokens");
    options.stopAtEos = p.has("stop-at-eos");
    if (p.has("mask-heads"))
        options.maskedHeads = parseHeadList(p.value("mask-heads"));
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
              << "kv cache   " << r.kvBytes << " bytes after prefill\n"
              << "device     " << engine.deviceDescription() << "\n";
    return 0;
}

} // namespace

HEADSCOPE_CLI_COMMAND("generate", "greedy generation (full cache; --mask-heads for ablations)", runGenerate);

} // namespace headscope::cli
