// headscope-cli make-test-model: a random-weight checkpoint in genuine Hugging Face layout,
// deterministic for a seed. Used by the tests, the benchmarks and the headless demo.
#include "arg_parser.h"
#include "commands.h"
#include "output_args.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"

#include <iostream>

namespace headscope::cli {

namespace {

Architecture parseArch(const std::string& s)
{
    if (s == "llama")
        return Architecture::Llama;
    if (s == "mistral")
        return Architecture::Mistral;
    if (s == "qwen2")
        return Architecture::Qwen2;
    throw UsageError("--arch: expected llama, mistral or qwen2, got '" + s + "'");
}

} // namespace

int runMakeTestModel(const std::vector<std::string>& args)
{
    ArgParser p("make-test-model", "Write a random-weight checkpoint (config.json + safetensors) in HF layout.");
    p.option("arch", "llama|mistral|qwen2", "architecture", true)
        .option("layers", "N", "decoder layers", true)
        .option("hidden", "H", "hidden size", true)
        .option("heads", "A", "query heads", true)
        .option("kv-heads", "K", "key/value heads (GQA)", true)
        .option("intermediate", "I", "MLP intermediate size", true)
        .option("tokenizer", "DIR", "copy tokenizer.json (+ tokenizer_config.json) from DIR; vocab = its size")
        .option("vocab", "V", "vocabulary size when no tokenizer is given")
        .flag("byte-tokenizer", "write a byte-level tokenizer.json (256 bytes + BOS/EOS) so text prompts work offline")
        .flag("tie-embeddings", "tie lm_head to the embedding table")
        .option("shards", "S", "number of safetensors shards (writes an index when > 1)", false, "1")
        .option("dtype", "f32|bf16|f16", "stored dtype", false, "f32")
        .option("head-dim", "D", "head dimension (default hidden / heads)")
        .option("rope-theta", "T", "RoPE base", false, "10000")
        .option("rope-scaling", "none|linear|llama3", "RoPE scaling type (factor 8 for llama3, 2 for linear)", false, "none")
        .option("sliding-window", "W", "sliding window (mistral)")
        .option("seed", "S", "random seed", true);
    addOutputOptions(p, "DIR", "checkpoint directory to write");
    p.note("One of --tokenizer, --vocab or --byte-tokenizer is required.");
    if (!p.parse(args))
        return 0;
    const auto out = outputFromArgs(p, OutputKind::Checkpoint);
    TestModelSpec spec;
    spec.architecture = parseArch(p.value("arch"));
    spec.layers = p.intValue("layers", 1, 1000);
    spec.hidden = p.intValue("hidden", 1, 1'000'000);
    spec.heads = p.intValue("heads", 1, 10000);
    spec.kvHeads = p.intValue("kv-heads", 1, 10000);
    spec.intermediate = p.intValue("intermediate", 1, 10'000'000);
    if (p.has("tokenizer"))
        spec.tokenizerDir = p.value("tokenizer");
    else if (p.has("vocab"))
        spec.vocab = p.intValue("vocab", 3, 100'000'000);
    else if (!p.has("byte-tokenizer"))
        throw UsageError("make-test-model: one of --tokenizer DIR, --vocab V or --byte-tokenizer is required");
    spec.byteTokenizer = p.has("byte-tokenizer") && !p.has("tokenizer");
    spec.tieEmbeddings = p.has("tie-embeddings");
    spec.shards = p.intValue("shards", 1, 10000);
    const std::string dtype = p.value("dtype");
    if (dtype == "f32")
        spec.dtype = ElementType::F32;
    else if (dtype == "bf16")
        spec.dtype = ElementType::BF16;
    else if (dtype == "f16")
        spec.dtype = ElementType::F16;
    else
        throw UsageError("--dtype: expected f32, bf16 or f16, got '" + dtype + "'");
    if (p.has("head-dim"))
        spec.headDim = p.intValue("head-dim", 2, 100000);
    spec.ropeTheta = p.doubleValue("rope-theta", 1.0, 1e12);
    const std::string scaling = p.value("rope-scaling");
    if (scaling == "llama3") {
        spec.ropeScaling.type = RopeScalingType::Llama3;
        spec.ropeScaling.factor = 8.0;
        spec.ropeScaling.originalMaxPositionEmbeddings = 64;
    } else if (scaling == "linear") {
        spec.ropeScaling.type = RopeScalingType::Linear;
        spec.ropeScaling.factor = 2.0;
    } else if (scaling != "none") {
        throw UsageError("--rope-scaling: expected none, linear or llama3, got '" + scaling + "'");
    }
    if (p.has("sliding-window"))
        spec.slidingWindow = p.intValue("sliding-window", 1, 100'000'000);
    spec.seed = parseSeed(p.value("seed"), "--seed");
    // Written into a staging directory and swapped into place: a failed write keeps what was there.
    writeTestModel(spec, out->staging());
    out->commit();
    std::cout << "wrote " << p.value("out") << "\n";
    return 0;
}

} // namespace headscope::cli
