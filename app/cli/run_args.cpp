#include "run_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"

#include <fstream>
#include <sstream>

namespace headscope::cli {

void addLoadOptions(ArgParser& p)
{
    p.option("device", "cpu|cuda", "device", false, "cpu")
        .option("gpu", "N", "CUDA device index", false, "0")
        .option("dtype", "f32|bf16", "compute dtype", false, "f32");
}

LoadOptions loadOptionsFromArgs(const ArgParser& p)
{
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
    return load;
}

void addPromptOptions(ArgParser& p)
{
    p.option("prompt", "TEXT", "prompt text (needs tokenizer.json in the checkpoint)")
        .option("prompt-file", "FILE", "read the prompt text from FILE")
        .option("prompt-ids", "1,2,3", "prompt as token ids")
        .flag("chat", "wrap the prompt in the model family's chat template")
        .flag("add-bos", "prepend BOS even if the family does not (default: the family's policy)");
}

bool hasPrompt(const ArgParser& p)
{
    return p.has("prompt") || p.has("prompt-file") || p.has("prompt-ids");
}

std::optional<Tokenizer> tokenizerIfPresent(const std::filesystem::path& modelDir)
{
    if (std::filesystem::exists(modelDir / "tokenizer.json"))
        return Tokenizer::fromDirectory(modelDir);
    return std::nullopt;
}

std::vector<int32_t> promptFromArgs(const ArgParser& p, const std::optional<Tokenizer>& tokenizer,
                                    const std::filesystem::path& modelDir)
{
    const int given = int(p.has("prompt")) + int(p.has("prompt-file")) + int(p.has("prompt-ids"));
    if (given != 1)
        throw UsageError("give exactly one of --prompt, --prompt-file, --prompt-ids");
    std::vector<int32_t> ids;
    if (p.has("prompt-ids")) {
        for (int id : parseIntList(p.value("prompt-ids"), "--prompt-ids"))
            ids.push_back(id);
        return ids;
    }
    if (!tokenizer)
        throw UsageError((modelDir / "tokenizer.json").string() +
                         " not found; text prompts need a tokenizer (or use --prompt-ids)");
    std::string text;
    if (p.has("prompt")) {
        text = p.value("prompt");
    } else {
        text = readFileBytes(p.value("prompt-file"), "--prompt-file");
    }
    // A chat prompt carries its BOS in the template's text, as transformers' apply_chat_template does.
    if (p.has("chat"))
        return tokenizer->encode(tokenizer->applyChatTemplate(text, tokenizer->defaultChatTemplate()));
    return tokenizer->encode(text, p.has("add-bos") || tokenizer->addsBosByDefault());
}

void addHaystackOptions(ArgParser& p)
{
    p.option("haystack_dir", "DIR", "directory of .txt files used as the haystack")
        .flag("synthetic-haystack", "use HeadScope's synthetic haystack instead of --haystack_dir")
        .option("seed", "S", "synthetic haystack seed", false, "1");
}

HaystackSpec haystackFromArgs(const ArgParser& p, const std::string& command)
{
    if (p.has("synthetic-haystack") == p.has("haystack_dir"))
        throw UsageError(command + ": give exactly one of --haystack_dir DIR or --synthetic-haystack");
    if (p.has("synthetic-haystack")) {
        try {
            return HaystackSpec::parse("synthetic seed=" + p.value("seed"));
        } catch (const FormatError&) {
            throw UsageError("--seed: expected a non-negative integer, got '" + p.value("seed") + "'");
        }
    }
    return HaystackSpec::directory(p.value("haystack_dir"));
}

void addCompressionOptions(ArgParser& p)
{
    p.option("pooling", "max|avg", "SnapKV pooling of the observation scores along keys", false, "max")
        .option("kernel", "K", "pooling kernel (odd; 1 = none)", false, "7")
        .option("layout", "kv|query", "store per KV head (GQA-native) or per query head (HeadKV)", false, "kv")
        .option("score-agg", "mean|max", "kv layout: how a group's query-head scores are combined", false, "mean")
        .option("cap-agg", "mean|max|sum", "kv layout: how a query-head budget is reduced to KV heads", false, "mean");
}

std::shared_ptr<CompressionSpec> compressionFromArgs(const ArgParser& p, BudgetPlan plan)
{
    auto spec = std::make_shared<CompressionSpec>();
    spec->plan = std::move(plan);
    spec->pooling = parsePooling(p.value("pooling"));
    spec->poolingKernel = p.intValue("kernel");
    const std::string layout = p.value("layout");
    if (layout == "kv")
        spec->layout = CacheLayout::GqaFlattened;
    else if (layout == "query")
        spec->layout = CacheLayout::QueryHeadFlattened;
    else
        throw UsageError("--layout: expected kv or query, got '" + layout + "'");
    spec->scoreAggregation = parseGroupAggregation(p.value("score-agg"));
    spec->capacityAggregation = parseGroupAggregation(p.value("cap-agg"));
    return spec;
}

} // namespace headscope::cli
