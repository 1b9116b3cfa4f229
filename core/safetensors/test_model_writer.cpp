// Random-weight checkpoints in genuine HF layout, for tests, the CLI's make-test-model and the
// headless demo. Deterministic for a seed on every platform: the PRNG (splitmix64) and the
// normal sampler (Box–Muller) are written out here rather than taken from <random>, whose
// distributions differ between standard libraries.
#include "common/json_input.h"
#include "headscope/core/checkpoint.h"

#include "config/arch/architecture_spec.h"
#include "config/rope_config.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "tokenizer/byte_level.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <numbers>

namespace headscope {

namespace fs = std::filesystem;

namespace {

class NormalSampler {
public:
    explicit NormalSampler(uint64_t seed) : m_state(seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL) {}

    float next(double stddev)
    {
        if (m_hasSpare) {
            m_hasSpare = false;
            return static_cast<float>(m_spare * stddev);
        }
        const double u1 = (static_cast<double>(nextBits() >> 11) + 1.0) / 9007199254740993.0; // (0, 1]
        const double u2 = static_cast<double>(nextBits() >> 11) / 9007199254740992.0;         // [0, 1)
        const double r = std::sqrt(-2.0 * std::log(u1));
        m_spare = r * std::sin(2.0 * std::numbers::pi * u2);
        m_hasSpare = true;
        return static_cast<float>(r * std::cos(2.0 * std::numbers::pi * u2) * stddev);
    }

private:
    uint64_t nextBits()
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t m_state;
    double m_spare = 0.0;
    bool m_hasSpare = false;
};

nlohmann::json readJson(const fs::path& path)
{
    return json_input::readObjectFile(path, path.filename().string());
}

struct TokenizerFacts {
    int64_t vocab = 0;
    std::optional<int32_t> bos;
    std::vector<int32_t> eos;
};

std::string tokenText(const nlohmann::json& v)
{
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return {};
}

TokenizerFacts readTokenizerFacts(const fs::path& dir)
{
    const fs::path tj = dir / "tokenizer.json";
    const nlohmann::json tok = readJson(tj);
    TokenizerFacts facts;
    std::map<std::string, int32_t> added;
    int64_t maxId = -1;
    if (auto vocab = tok.find("model"); vocab != tok.end() && vocab->contains("vocab") && (*vocab)["vocab"].is_object()) {
        for (const auto& [piece, id] : (*vocab)["vocab"].items())
            maxId = std::max<int64_t>(maxId, id.get<int64_t>());
    } else {
        throw FormatError(tj.string() + ": key \"model.vocab\": expected an object of token ids");
    }
    if (auto at = tok.find("added_tokens"); at != tok.end() && at->is_array()) {
        for (const auto& t : *at) {
            const auto id = t.value("id", int64_t(-1));
            maxId = std::max(maxId, id);
            added[t.value("content", std::string())] = static_cast<int32_t>(id);
        }
    }
    facts.vocab = maxId + 1;
    std::error_code ec;
    if (fs::exists(dir / "tokenizer_config.json", ec)) {
        const nlohmann::json cfg = readJson(dir / "tokenizer_config.json");
        if (auto it = added.find(tokenText(cfg.value("bos_token", nlohmann::json()))); it != added.end())
            facts.bos = it->second;
        if (auto it = added.find(tokenText(cfg.value("eos_token", nlohmann::json()))); it != added.end())
            facts.eos.push_back(it->second);
    }
    return facts;
}

// A real HF tokenizer.json: GPT-2 style byte-level BPE with no merges, so every byte is a token.
void writeByteTokenizer(const fs::path& dir)
{
    nlohmann::ordered_json vocab;
    const tok::ByteLevelTable& table = tok::ByteLevelTable::instance();
    for (int b = 0; b < 256; ++b)
        vocab[table.encode(std::string(1, static_cast<char>(b)))] = b;
    auto special = [](int id, const char* content) {
        return nlohmann::ordered_json{{"id", id},        {"content", content}, {"single_word", false}, {"lstrip", false},
                                      {"rstrip", false}, {"normalized", false}, {"special", true}};
    };
    nlohmann::ordered_json tok;
    tok["version"] = "1.0";
    tok["truncation"] = nullptr;
    tok["padding"] = nullptr;
    tok["added_tokens"] = {special(256, "<|begin_of_text|>"), special(257, "<|end_of_text|>")};
    tok["normalizer"] = nullptr;
    tok["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    tok["post_processor"] = nullptr;
    tok["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    tok["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"fuse_unk", false},
                    {"byte_fallback", false}, {"ignore_merges", false}, {"vocab", vocab},
                    {"merges", nlohmann::ordered_json::array()}};
    std::ofstream(dir / "tokenizer.json") << tok.dump(1) << "\n";
    std::ofstream(dir / "tokenizer_config.json")
        << R"({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>", "add_bos_token": true})" << "\n";
}

// The config a spec asks for, in HF's keys, parsed back through the architecture table so
// every family default and quirk applies exactly as it would to a downloaded checkpoint.
ModelConfig testModelConfig(const TestModelSpec& spec, int64_t vocab, std::optional<int32_t> bos,
                            const std::vector<int32_t>& eos)
{
    if (spec.multimodal && spec.architecture != Architecture::Gemma3)
        throw UsageError("make-test-model: the multimodal layout exists for gemma3 only");
    const std::string className = spec.multimodal ? std::string("Gemma3ForConditionalGeneration")
                                                  : arch::specFor(spec.architecture).hfClassName;
    nlohmann::json j;
    j["vocab_size"] = vocab;
    j["hidden_size"] = spec.hidden;
    j["intermediate_size"] = spec.intermediate;
    j["num_hidden_layers"] = spec.layers;
    j["num_attention_heads"] = spec.heads;
    j["num_key_value_heads"] = spec.kvHeads;
    j["head_dim"] = spec.headDim.value_or(spec.hidden / spec.heads);
    j["max_position_embeddings"] = spec.maxPositionEmbeddings;
    j["rope_theta"] = spec.ropeTheta;
    j["rope_scaling"] = config::ropeScalingToJson(spec.ropeScaling);
    if (spec.ropeScaling.type == RopeScalingType::LongRope)
        j["original_max_position_embeddings"] = spec.ropeScaling.originalMaxPositionEmbeddings;
    j["rms_norm_eps"] = 1e-5;
    j["tie_word_embeddings"] = spec.tieEmbeddings;
    j["torch_dtype"] = spec.dtype == ElementType::BF16 ? "bfloat16" : spec.dtype == ElementType::F16 ? "float16" : "float32";
    if (bos)
        j["bos_token_id"] = *bos;
    j["eos_token_id"] = eos.size() == 1 ? nlohmann::json(eos.front()) : nlohmann::json(eos);
    if (spec.slidingWindow) { // unset: the family's default; Qwen's switch is ignored by the others
        j["sliding_window"] = *spec.slidingWindow;
        j["use_sliding_window"] = true;
        j["max_window_layers"] = 0;
    }
    if (!spec.layerTypes.empty()) {
        nlohmann::json types = nlohmann::json::array();
        for (LayerType t : spec.layerTypes)
            types.push_back(t == LayerType::Sliding ? "sliding_attention" : "full_attention");
        j["layer_types"] = types;
    }
    if (spec.attnLogitSoftcap)
        j["attn_logit_softcapping"] = *spec.attnLogitSoftcap;
    if (spec.finalLogitSoftcap)
        j["final_logit_softcapping"] = *spec.finalLogitSoftcap;
    if (spec.queryPreAttnScalar)
        j["query_pre_attn_scalar"] = *spec.queryPreAttnScalar;
    if (spec.localRopeTheta)
        j["rope_local_base_freq"] = *spec.localRopeTheta;
    if (spec.partialRotaryFactor != 1.0)
        j["partial_rotary_factor"] = spec.partialRotaryFactor;
    nlohmann::json top;
    if (spec.multimodal) {
        top["text_config"] = j;
        top["vision_config"] = {{"model_type", "siglip_vision_model"}};
    } else {
        top = j;
    }
    top["architectures"] = nlohmann::json::array({className});
    try {
        return parseModelConfig(top.dump(), "make-test-model");
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
}

} // namespace

void writeTestModel(const TestModelSpec& spec, const fs::path& outDir)
{
    if (spec.layers <= 0 || spec.hidden <= 0 || spec.heads <= 0 || spec.kvHeads <= 0 || spec.intermediate <= 0)
        throw UsageError("make-test-model: layers, hidden, heads, kv-heads and intermediate must be positive");
    if (spec.heads % spec.kvHeads != 0)
        throw UsageError("make-test-model: heads (" + std::to_string(spec.heads) + ") must be a multiple of kv-heads (" +
                         std::to_string(spec.kvHeads) + ")");
    if (!spec.headDim && spec.hidden % spec.heads != 0)
        throw UsageError("make-test-model: hidden (" + std::to_string(spec.hidden) + ") must be divisible by heads (" +
                         std::to_string(spec.heads) + ") unless --head-dim is given");
    if (spec.shards < 1)
        throw UsageError("make-test-model: shards must be at least 1");
    if (spec.slidingWindow && spec.architecture == Architecture::Llama)
        throw UsageError("make-test-model: Llama has no sliding window; use --arch mistral");

    int64_t vocab = spec.vocab;
    std::optional<int32_t> bos = 1;
    std::vector<int32_t> eos = {2};
    fs::create_directories(outDir);
    if (!spec.tokenizerDir.empty()) {
        const TokenizerFacts facts = readTokenizerFacts(spec.tokenizerDir);
        vocab = facts.vocab;
        bos = facts.bos;
        eos = facts.eos;
        std::error_code ec;
        const bool sameDir = fs::equivalent(spec.tokenizerDir, outDir, ec); // tokenizer written in place
        for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
            if (!sameDir && fs::exists(spec.tokenizerDir / name, ec))
                fs::copy_file(spec.tokenizerDir / name, outDir / name, fs::copy_options::overwrite_existing);
        }
    } else if (spec.byteTokenizer) {
        writeByteTokenizer(outDir);
        vocab = std::max<int64_t>(spec.vocab, 258);
        bos = 256;
        eos = {257};
    }
    if (vocab <= 2)
        throw UsageError("make-test-model: vocabulary must have more than 2 tokens");
    const ModelConfig c = testModelConfig(spec, vocab, bos, eos);
    // The limits config.json is held to, before any tensor is sized from these numbers.
    try {
        validateModelDimensions(c, "make-test-model");
    } catch (const FormatError& e) {
        throw UsageError(e.what());
    }
    if (spec.slidingWindow && spec.architecture == Architecture::Llama)
        throw UsageError("make-test-model: Llama has no sliding window; use --arch mistral");

    // Scales chosen so a random model's attention is peaked enough to test (q/k gain 2), its
    // residual stream stays O(1) and its logits are not all equal. Norm weights are stored as
    // the family stores them: around 1 for w · x̂, around 0 for (1 + w) · x̂.
    NormalSampler rng(spec.seed);
    const double h = static_cast<double>(c.hiddenSize);
    const TensorNames names = tensorNamesFor(c);
    auto fill = [&](const ExpectedTensor& e) {
        TensorToWrite t;
        t.name = e.name;
        t.dtype = spec.dtype;
        t.shape = e.shape;
        int64_t n = 1;
        for (int64_t d : e.shape)
            n *= d;
        t.values.resize(static_cast<std::size_t>(n));
        const bool isNorm = e.name.find("norm") != std::string::npos;
        const bool isBias = e.name.size() > 5 && e.name.compare(e.name.size() - 5, 5, ".bias") == 0;
        double stddev = 1.0 / std::sqrt(static_cast<double>(e.shape.back()));
        for (const char* peaked : {"q_proj.weight", "k_proj.weight", "qkv_proj.weight"})
            if (e.name.find(peaked) != std::string::npos)
                stddev *= 2.0;
        if (e.name == names.embedTokens)
            stddev = 1.0 / c.embeddingMultiplier; // O(1) after the family's embedding multiplier
        if (e.name == names.lmHead)
            stddev = 1.0 / std::sqrt(h);
        const double normCentre = c.normStyle == NormStyle::OffsetWeight ? 0.0 : 1.0;
        for (float& v : t.values) {
            if (isNorm)
                v = static_cast<float>(normCentre) + rng.next(0.1);
            else if (isBias)
                v = rng.next(0.1);
            else
                v = rng.next(stddev);
        }
        return t;
    };
    std::vector<ExpectedTensor> expected = expectedTensors(c);
    if (spec.multimodal) // stand-ins for the parts a text-only run skips
        for (const char* name : {"vision_tower.vision_model.embeddings.patch_embedding.weight",
                                 "multi_modal_projector.mm_input_projection_weight"})
            expected.push_back({name, {8, c.hiddenSize}});
    if (static_cast<std::size_t>(spec.shards) > expected.size())
        throw UsageError("make-test-model: " + std::to_string(spec.shards) + " shards for " +
                         std::to_string(expected.size()) + " tensors; at most one shard per tensor");
    const std::map<std::string, std::string> meta = {{"format", "pt"}, {"producer", "headscope make-test-model"}};
    if (spec.shards == 1) {
        std::vector<TensorToWrite> all;
        for (const ExpectedTensor& e : expected)
            all.push_back(fill(e));
        writeSafetensors(outDir / "model.safetensors", all, meta);
    } else {
        nlohmann::ordered_json weightMap;
        int64_t totalBytes = 0;
        const std::size_t perShard = (expected.size() + static_cast<std::size_t>(spec.shards) - 1) / static_cast<std::size_t>(spec.shards);
        for (int s = 0; s < spec.shards; ++s) {
            char name[64];
            std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, spec.shards);
            std::vector<TensorToWrite> part;
            for (std::size_t i = static_cast<std::size_t>(s) * perShard; i < std::min(expected.size(), (static_cast<std::size_t>(s) + 1) * perShard); ++i) {
                part.push_back(fill(expected[i]));
                weightMap[part.back().name] = name;
                totalBytes += static_cast<int64_t>(part.back().values.size() * elementSize(spec.dtype));
            }
            writeSafetensors(outDir / name, part, meta);
        }
        nlohmann::ordered_json index;
        index["metadata"] = {{"total_size", totalBytes}};
        index["weight_map"] = weightMap;
        std::ofstream(outDir / "model.safetensors.index.json") << index.dump(2) << "\n";
    }
    std::ofstream(outDir / "config.json") << modelConfigToJson(c);
}

} // namespace headscope
