// headscope-cli make-test-model: a random-weight checkpoint in genuine Hugging Face layout,
// deterministic for a seed. Used by the tests, the benchmarks and the headless demo.
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"

#include <iostream>
#include <sstream>

namespace headscope::cli {

namespace {

std::vector<LayerType> parseLayerTypes(const std::string& text)
{
    std::vector<LayerType> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item == "sliding" || item == "s")
            out.push_back(LayerType::Sliding);
        else if (item == "full" || item == "f")
            out.push_back(LayerType::Full);
        else
            throw UsageError("--layer-types: expected a comma-separated list of sliding|full, got '" + item + "'");
    }
    return out;
}

// Longrope factor tables for a test model: short factors near 1, long ones growing to 4 along
// the frequencies, switching at 64 positions so a short prompt exercises both.
RopeScaling testLongRope(int64_t rotaryDim)
{
    RopeScaling s;
    s.type = RopeScalingType::LongRope;
    s.originalMaxPositionEmbeddings = 64;
    const int64_t half = rotaryDim / 2;
    for (int64_t i = 0; i < half; ++i) {
        const double t = half > 1 ? static_cast<double>(i) / static_cast<double>(half - 1) : 0.0;
        s.shortFactor.push_back(1.0 + 0.25 * t);
        s.longFactor.push_back(1.0 + 3.0 * t);
    }
    return s;
}

} // namespace

int runMakeTestModel(const std::vector<std::string>& args)
{
    ArgParser p("make-test-model", "Write a random-weight checkpoint (config.json + safetensors) in HF layout.");
    p.option("arch", "llama|mistral|qwen2|qwen3|gemma2|gemma3|phi3", "architecture", true)
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
        .option("rope-scaling", "none|linear|llama3|longrope",
                "RoPE scaling (llama3: factor 8; linear: 2; longrope: factor tables switching at 64 positions)", false,
                "none")
        .option("partial-rotary", "F", "RoPE on the first int(head_dim × F) dims only (phi3)", false, "1")
        .option("sliding-window", "W", "sliding window of the sliding layers (mistral, qwen, gemma, phi3)")
        .option("layer-types", "LIST", "which layers slide, e.g. sliding,full,sliding,full (default: the family's)")
        .option("attn-softcap", "C", "attention-logit soft-cap (gemma; default the family's)")
        .option("final-softcap", "C", "final-logit soft-cap (gemma; default the family's)")
        .option("query-pre-attn-scalar", "S", "scores × S^-1/2 (gemma; default the family's)")
        .option("local-rope-theta", "T", "RoPE base of sliding layers (gemma3 rope_local_base_freq)")
        .flag("multimodal", "gemma3: the Gemma3ForConditionalGeneration layout with a stand-in vision tower")
        .option("seed", "S", "random seed", true)
        .option("out", "DIR", "output directory", true)
        .note("One of --tokenizer, --vocab or --byte-tokenizer is required.");
    if (!p.parse(args))
        return 0;
    TestModelSpec spec;
    spec.architecture = parseArchitectureLabel(p.value("arch"));
    spec.layers = p.intValue("layers");
    spec.hidden = p.intValue("hidden");
    spec.heads = p.intValue("heads");
    spec.kvHeads = p.intValue("kv-heads");
    spec.intermediate = p.intValue("intermediate");
    if (p.has("tokenizer"))
        spec.tokenizerDir = p.value("tokenizer");
    else if (p.has("vocab"))
        spec.vocab = p.intValue("vocab");
    else if (!p.has("byte-tokenizer"))
        throw UsageError("make-test-model: one of --tokenizer DIR, --vocab V or --byte-tokenizer is required");
    spec.byteTokenizer = p.has("byte-tokenizer") && !p.has("tokenizer");
    spec.tieEmbeddings = p.has("tie-embeddings");
    spec.shards = p.intValue("shards");
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
        spec.headDim = p.intValue("head-dim");
    spec.ropeTheta = p.doubleValue("rope-theta");
    spec.partialRotaryFactor = p.doubleValue("partial-rotary");
    const std::string scaling = p.value("rope-scaling");
    if (scaling == "llama3") {
        spec.ropeScaling.type = RopeScalingType::Llama3;
        spec.ropeScaling.factor = 8.0;
        spec.ropeScaling.originalMaxPositionEmbeddings = 64;
    } else if (scaling == "linear") {
        spec.ropeScaling.type = RopeScalingType::Linear;
        spec.ropeScaling.factor = 2.0;
    } else if (scaling == "longrope") {
        const int64_t headDim = spec.headDim.value_or(spec.hidden / spec.heads);
        spec.ropeScaling = testLongRope(static_cast<int64_t>(static_cast<double>(headDim) * spec.partialRotaryFactor));
    } else if (scaling != "none") {
        throw UsageError("--rope-scaling: expected none, linear, llama3 or longrope, got '" + scaling + "'");
    }
    if (p.has("sliding-window"))
        spec.slidingWindow = p.intValue("sliding-window");
    if (p.has("layer-types"))
        spec.layerTypes = parseLayerTypes(p.value("layer-types"));
    if (p.has("attn-softcap"))
        spec.attnLogitSoftcap = p.doubleValue("attn-softcap");
    if (p.has("final-softcap"))
        spec.finalLogitSoftcap = p.doubleValue("final-softcap");
    if (p.has("query-pre-attn-scalar"))
        spec.queryPreAttnScalar = p.doubleValue("query-pre-attn-scalar");
    if (p.has("local-rope-theta"))
        spec.localRopeTheta = p.doubleValue("local-rope-theta");
    spec.multimodal = p.has("multimodal");
    spec.seed = static_cast<uint64_t>(std::stoull(p.value("seed")));
    writeTestModel(spec, p.value("out"));
    std::cout << "wrote " << p.value("out") << "\n";
    return 0;
}

} // namespace headscope::cli
