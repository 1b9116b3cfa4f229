// config.json of the Qwen3, Gemma 2, Gemma 3 (text and multimodal) and Phi-3 families, as the
// published checkpoints write them: the data each family sets for the one decoder, the
// spellings HF has used for the same field, and refusals (by name) of what is not implemented.
// Parameter counts are checked against the published sizes.
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"

#include <QTest>

#include <cmath>

using namespace headscope;

namespace {

// Qwen/Qwen3-0.6B
const char* kQwen3 = R"({"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "bos_token_id": 151643,
  "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "intermediate_size": 3072,
  "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3", "num_attention_heads": 16,
  "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_scaling": null,
  "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "use_sliding_window": false, "vocab_size": 151936})";

// google/gemma-2-2b
const char* kGemma2 = R"({"architectures": ["Gemma2ForCausalLM"], "attention_bias": false,
  "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1,
  "final_logit_softcapping": 30.0, "head_dim": 256, "hidden_act": "gelu_pytorch_tanh",
  "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304, "intermediate_size": 9216,
  "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 8, "num_hidden_layers": 26,
  "num_key_value_heads": 4, "pad_token_id": 0, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06,
  "rope_theta": 10000.0, "sliding_window": 4096, "torch_dtype": "float32", "vocab_size": 256000})";

// google/gemma-3-1b-it
const char* kGemma3 = R"({"architectures": ["Gemma3ForCausalLM"], "attention_bias": false,
  "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 106],
  "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
  "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text",
  "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0,
  "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000, "rope_scaling": null,
  "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6, "torch_dtype": "bfloat16",
  "vocab_size": 262144})";

// google/gemma-3-4b-it: the text config lists only what differs from Gemma3TextConfig's defaults.
const char* kGemma3Multimodal = R"({"architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": 255999,
  "eoi_token_index": 256000, "eos_token_id": [1, 106], "image_token_index": 262144, "mm_tokens_per_image": 256,
  "model_type": "gemma3", "text_config": {"hidden_size": 2560, "intermediate_size": 10240,
  "model_type": "gemma3_text", "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
  "sliding_window": 1024}, "torch_dtype": "bfloat16", "vision_config": {"hidden_size": 1152, "image_size": 896,
  "intermediate_size": 4304, "model_type": "siglip_vision_model", "num_attention_heads": 16,
  "num_hidden_layers": 27, "patch_size": 14, "vision_use_head": false}})";

// microsoft/Phi-3-mini-4k-instruct
const char* kPhi3Mini = R"({"architectures": ["Phi3ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 1,
  "embd_pdrop": 0.0, "eos_token_id": 32000, "hidden_act": "silu", "hidden_size": 3072, "intermediate_size": 8192,
  "max_position_embeddings": 4096, "model_type": "phi3", "num_attention_heads": 32, "num_hidden_layers": 32,
  "num_key_value_heads": 32, "original_max_position_embeddings": 4096, "pad_token_id": 32000, "resid_pdrop": 0.0,
  "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0, "sliding_window": 2047,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32064})";

std::string factors(int n, double value)
{
    std::string s = "[";
    for (int i = 0; i < n; ++i)
        s += (i ? ", " : "") + std::to_string(value + 0.01 * i);
    return s + "]";
}

// microsoft/Phi-4-mini-instruct (factor lists shortened to their true length, 48, with made-up values).
std::string phi4Mini(const std::string& scalingType = "longrope")
{
    return R"({"architectures": ["Phi3ForCausalLM"], "bos_token_id": 199999, "eos_token_id": 199999,
      "hidden_act": "silu", "hidden_size": 3072, "intermediate_size": 8192, "max_position_embeddings": 131072,
      "model_type": "phi3", "num_attention_heads": 24, "num_hidden_layers": 32, "num_key_value_heads": 8,
      "original_max_position_embeddings": 4096, "partial_rotary_factor": 0.75, "rms_norm_eps": 1e-05,
      "rope_scaling": {"long_factor": )" + factors(48, 1.0) + R"(, "short_factor": )" + factors(48, 1.0) +
           R"(, "type": ")" + scalingType + R"("}, "rope_theta": 10000.0, "sliding_window": 262144,
      "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 200064})";
}

std::string expectRefusal(const std::string& json, const std::vector<const char*>& fragments)
{
    try {
        parseModelConfig(json, "cfg.json");
    } catch (const Error& e) {
        const std::string what = e.what();
        for (const char* f : fragments)
            if (what.find(f) == std::string::npos)
                return "message lacks \"" + std::string(f) + "\": " + what;
        return {};
    }
    return "accepted";
}

std::vector<int64_t> slidingLayers(const ModelConfig& c)
{
    std::vector<int64_t> out;
    for (int64_t l = 0; l < c.numLayers; ++l)
        if (c.layerWindow(l) > 0)
            out.push_back(l);
    return out;
}

std::string replaced(std::string s, const std::string& from, const std::string& to)
{
    const auto at = s.find(from);
    if (at != std::string::npos)
        s.replace(at, from.size(), to);
    return s;
}

} // namespace

class TestArchConfigs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void qwen3()
    {
        const ModelConfig c = parseModelConfig(kQwen3, "cfg.json");
        QCOMPARE(c.architecture, Architecture::Qwen3);
        QVERIFY(c.qkNorm);
        QVERIFY(!c.attentionBias);
        QCOMPARE(c.headDim, int64_t(128)); // not 1024 / 16
        QCOMPARE(c.normStyle, NormStyle::Weight);
        QVERIFY(!c.hasSlidingLayers());
        QVERIFY(c.tieWordEmbeddings);
        QCOMPARE(c.attentionScale(), 1.0 / std::sqrt(128.0));
        // The model card: 0.44 B non-embedding parameters.
        QCOMPARE(c.parameterCount() - c.vocabSize * c.hiddenSize, int64_t(440467456));
    }

    void gemma2()
    {
        const ModelConfig c = parseModelConfig(kGemma2, "cfg.json");
        QCOMPARE(c.architecture, Architecture::Gemma2);
        QCOMPARE(c.normStyle, NormStyle::OffsetWeight);
        QVERIFY(c.sublayerOutputNorms);
        QVERIFY(!c.qkNorm);
        QCOMPARE(c.activation, Activation::GeluTanh);
        QCOMPARE(c.embeddingMultiplier, std::sqrt(2304.0));
        QCOMPARE(c.attnLogitSoftcap.value(), 50.0);
        QCOMPARE(c.finalLogitSoftcap.value(), 30.0);
        QCOMPARE(c.attentionScale(), 1.0 / 16.0);
        QVERIFY(c.tieWordEmbeddings); // Gemma2Config's default
        // Sliding on even layers (layer 0 local), full on odd ones.
        QCOMPARE(c.layerWindow(0), int64_t(4096));
        QCOMPARE(c.layerWindow(1), int64_t(0));
        QCOMPARE(c.layerWindow(24), int64_t(4096));
        QCOMPARE(c.layerWindow(25), int64_t(0));
        QVERIFY(!c.localRopeTheta);
        QCOMPARE(c.parameterCount(), int64_t(2614341888)); // gemma-2-2b
    }

    void gemma3Text()
    {
        const ModelConfig c = parseModelConfig(kGemma3, "cfg.json");
        QCOMPARE(c.architecture, Architecture::Gemma3);
        QVERIFY(c.qkNorm);
        QVERIFY(c.sublayerOutputNorms);
        QVERIFY(!c.attnLogitSoftcap);
        QVERIFY(!c.finalLogitSoftcap);
        QCOMPARE(c.eosTokenIds, (std::vector<int32_t>{1, 106}));
        // Pattern 6: layers 5, 11, 17, 23 global, the rest local with their own RoPE base.
        std::vector<int64_t> global;
        for (int64_t l = 0; l < c.numLayers; ++l)
            if (c.layerWindow(l) == 0)
                global.push_back(l);
        QCOMPARE(global, (std::vector<int64_t>{5, 11, 17, 23}));
        QCOMPARE(c.ropeFor(0).theta, 10000.0);
        QCOMPARE(c.ropeFor(5).theta, 1000000.0);
        QCOMPARE(describeLayerTypes(c),
                 std::string("local (window 512, RoPE θ 10000) ×22: 0-4, 6-10, 12-16, 18-22, 24-25; global ×4: 5, 11, 17, 23"));
        QCOMPARE(c.parameterCount(), int64_t(999885952)); // gemma-3-1b
    }

    void gemma3Multimodal()
    {
        const ModelConfig c = parseModelConfig(kGemma3Multimodal, "cfg.json");
        QCOMPARE(c.architecture, Architecture::Gemma3);
        QCOMPARE(c.architectureName, std::string("Gemma3ForConditionalGeneration"));
        // Gemma3TextConfig's defaults fill what text_config omits; token ids and dtype come from the top.
        QCOMPARE(c.vocabSize, int64_t(262208));
        QCOMPARE(c.numHeads, int64_t(8));
        QCOMPARE(c.numKvHeads, int64_t(4));
        QCOMPARE(c.headDim, int64_t(256));
        QCOMPARE(c.numLayers, int64_t(34));
        QCOMPARE(c.eosTokenIds, (std::vector<int32_t>{1, 106}));
        QCOMPARE(c.torchDtype, std::string("bfloat16"));
        // Global layers: linear ×8 on θ 1e6; local: θ 1e4, unscaled.
        QCOMPARE(c.ropeFor(5).scaling.type, RopeScalingType::Linear);
        QCOMPARE(c.ropeFor(5).scaling.factor, 8.0);
        QCOMPARE(c.ropeFor(0).scaling.type, RopeScalingType::None);
        QCOMPARE(c.ropeFor(0).theta, 10000.0);
        QCOMPARE(c.layerWindow(0), int64_t(1024));
        QCOMPARE(c.weightPrefix, std::string("language_model.model."));
        QVERIFY(!c.skippedComponents.empty());
        // The language model of gemma-3-4b: 3.88 B parameters.
        QCOMPARE(c.parameterCount(), int64_t(3880263168));
        // Round trip keeps the nesting and the data.
        const ModelConfig again = parseModelConfig(modelConfigToJson(c), "again.json");
        QCOMPARE(again.architectureName, c.architectureName);
        QCOMPARE(slidingLayers(again), slidingLayers(c));
        QCOMPARE(again.localRopeTheta, c.localRopeTheta);
        QCOMPARE(again.ropeScaling.factor, 8.0);
        QCOMPARE(again.parameterCount(), c.parameterCount());
    }

    void phi3Mini()
    {
        const ModelConfig c = parseModelConfig(kPhi3Mini, "cfg.json");
        QCOMPARE(c.architecture, Architecture::Phi3);
        QCOMPARE(c.rotaryDim(), c.headDim);
        QCOMPARE(slidingLayers(c).size(), std::size_t(32)); // sliding_window 2047 on every layer
        QCOMPARE(c.layerWindow(7), int64_t(2047));
        QCOMPARE(c.parameterCount(), int64_t(3821079552)); // Phi-3-mini
    }

    void phi4MiniLongrope_data()
    {
        QTest::addColumn<QString>("type");
        QTest::newRow("longrope") << QStringLiteral("longrope");
        QTest::newRow("su") << QStringLiteral("su");
    }

    void phi4MiniLongrope()
    {
        QFETCH(QString, type);
        const ModelConfig c = parseModelConfig(phi4Mini(type.toStdString()), "cfg.json");
        QCOMPARE(c.partialRotaryFactor, 0.75);
        QCOMPARE(c.rotaryDim(), int64_t(96));
        QCOMPARE(c.ropeScaling.type, RopeScalingType::LongRope);
        QCOMPARE(c.ropeScaling.originalMaxPositionEmbeddings, int64_t(4096));
        QCOMPARE(c.ropeScaling.factor, 32.0);
        // √(1 + ln(131072/4096) / ln 4096)
        QVERIFY(std::abs(c.ropeScaling.attentionFactor - std::sqrt(1.0 + std::log(32.0) / std::log(4096.0))) < 1e-12);
        QCOMPARE(c.ropeScaling.longFactor.size(), std::size_t(48));
        QVERIFY(c.tieWordEmbeddings);
        QCOMPARE(c.parameterCount(), int64_t(3836021760)); // Phi-4-mini
        const ModelConfig again = parseModelConfig(modelConfigToJson(c), "again.json");
        QCOMPARE(again.ropeScaling.shortFactor, c.ropeScaling.shortFactor);
        QCOMPARE(again.ropeScaling.attentionFactor, c.ropeScaling.attentionFactor);
        QCOMPARE(again.rotaryDim(), int64_t(96));
    }

    // The same field in the spellings transformers has written over the years.
    void spellings()
    {
        // "dtype" (transformers 5) for "torch_dtype".
        QCOMPARE(parseModelConfig(replaced(kQwen3, "\"torch_dtype\"", "\"dtype\""), "c").torchDtype, std::string("bfloat16"));
        // "rope_parameters" (transformers 5), flat.
        const ModelConfig flat = parseModelConfig(
            replaced(kQwen3, "\"rope_theta\": 1000000,", R"("rope_parameters": {"rope_type": "default", "rope_theta": 5e5},)"),
            "c");
        QCOMPARE(flat.ropeTheta, 5e5);
        // ... and per layer type (Gemma 3).
        const ModelConfig perType = parseModelConfig(
            replaced(kGemma3, "\"rope_scaling\": null,",
                     R"("rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 4.0, "rope_theta": 1e6},
                                            "sliding_attention": {"rope_type": "default", "rope_theta": 2e4}},)"),
            "c");
        QCOMPARE(perType.ropeFor(5).scaling.type, RopeScalingType::Linear);
        QCOMPARE(perType.ropeFor(0).theta, 2e4);
        // "layer_types" instead of the pattern.
        std::string types = "[";
        for (int l = 0; l < 26; ++l)
            types += std::string(l ? ", " : "") + (l % 3 == 2 ? "\"full_attention\"" : "\"sliding_attention\"");
        types += "]";
        const ModelConfig listed = parseModelConfig(replaced(kGemma3, "\"sliding_window_pattern\": 6,", "\"layer_types\": " + types + ","), "c");
        QCOMPARE(listed.layerWindow(2), int64_t(0));
        QCOMPARE(listed.layerWindow(3), int64_t(512));
        // rope_scaling "type" vs "rope_type" is covered by phi4MiniLongrope (su/longrope) and the
        // Llama tests; EOS as an int (Gemma 2) and as a list (Gemma 3) above.
        // Qwen's sliding layers start at max_window_layers.
        const ModelConfig qwenSliding = parseModelConfig(
            replaced(replaced(kQwen3, "\"use_sliding_window\": false", "\"use_sliding_window\": true"), "\"sliding_window\": null",
                     "\"sliding_window\": 4096"),
            "c");
        QCOMPARE(qwenSliding.layerWindow(27), int64_t(0)); // max_window_layers 28 = every layer full
        const ModelConfig qwenSliding2 = parseModelConfig(
            replaced(replaced(replaced(kQwen3, "\"use_sliding_window\": false", "\"use_sliding_window\": true"),
                              "\"sliding_window\": null", "\"sliding_window\": 4096"),
                     "\"max_window_layers\": 28", "\"max_window_layers\": 20"),
            "c");
        QCOMPARE(qwenSliding2.layerWindow(19), int64_t(0));
        QCOMPARE(qwenSliding2.layerWindow(20), int64_t(4096));
    }

    // A field that changes the math and is not implemented is refused by name, never ignored.
    void refusals_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("fragments"); // "|"-separated
        QTest::newRow("qwen3 moe") << QString::fromStdString(replaced(kQwen3, "Qwen3ForCausalLM\"]", "Qwen3MoeForCausalLM\"]"))
                                   << QStringLiteral("Qwen3MoeForCausalLM|mixture-of-experts");
        QTest::newRow("phi moe") << QStringLiteral(R"({"architectures": ["PhiMoEForCausalLM"]})")
                                 << QStringLiteral("PhiMoEForCausalLM|mixture-of-experts");
        QTest::newRow("experts in a dense class")
            << QString::fromStdString(replaced(kQwen3, "\"attention_bias\": false,", "\"num_experts\": 128,"))
            << QStringLiteral("num_experts|mixture-of-experts");
        QTest::newRow("yarn") << QString::fromStdString(replaced(kQwen3, "\"rope_scaling\": null",
                                                                 R"("rope_scaling": {"rope_type": "yarn", "factor": 4.0})"))
                              << QStringLiteral("\"yarn\" is not supported");
        QTest::newRow("qwen3 attention_bias")
            << QString::fromStdString(replaced(kQwen3, "\"attention_bias\": false", "\"attention_bias\": true"))
            << QStringLiteral("attention_bias|Qwen3ForCausalLM");
        QTest::newRow("gemma activation")
            << QString::fromStdString(replaced(kGemma2, "\"hidden_activation\": \"gelu_pytorch_tanh\"", "\"hidden_activation\": \"gelu\""))
            << QStringLiteral("hidden_activation|\"gelu\"");
        QTest::newRow("bidirectional")
            << QString::fromStdString(replaced(kGemma3, "\"attention_bias\": false", "\"use_bidirectional_attention\": true"))
            << QStringLiteral("use_bidirectional_attention");
        QTest::newRow("chunked layers")
            << QString::fromStdString(replaced(kGemma3, "\"sliding_window_pattern\": 6,", "\"layer_types\": [\"chunked_attention\"],"))
            << QStringLiteral("layer_types");
        QTest::newRow("quantized")
            << QString::fromStdString(replaced(kPhi3Mini, "\"attention_dropout\": 0.0,", R"("quantization_config": {"quant_method": "awq"},)"))
            << QStringLiteral("quantization_config");
        QTest::newRow("longrope factor length")
            << QString::fromStdString(replaced(phi4Mini(), "\"partial_rotary_factor\": 0.75", "\"partial_rotary_factor\": 1.0"))
            << QStringLiteral("short_factor|expected rotary dims / 2 = 64");
        QTest::newRow("gemma3 text_config missing")
            << QStringLiteral(R"({"architectures": ["Gemma3ForConditionalGeneration"]})") << QStringLiteral("text_config");
        QTest::newRow("scaled local rope")
            << QString::fromStdString(replaced(kGemma3, "\"rope_scaling\": null,",
                                               R"("rope_parameters": {"sliding_attention": {"rope_type": "linear", "factor": 2.0}},)"))
            << QStringLiteral("sliding_attention|scaled RoPE");
    }

    void refusals()
    {
        QFETCH(QString, json);
        QFETCH(QString, fragments);
        std::vector<std::string> owned;
        for (const QString& f : fragments.split(QLatin1Char('|')))
            owned.push_back(f.toStdString());
        std::vector<const char*> ptrs;
        for (const std::string& s : owned)
            ptrs.push_back(s.c_str());
        const std::string problem = expectRefusal(json.toStdString(), ptrs);
        QVERIFY2(problem.empty(), problem.c_str());
    }

    // Score files are checked against a model's head layout: a supported family's defaults
    // fill what its config omits; sizes no real model has are refused before any allocation.
    void headShapes()
    {
        const ModelHeadShape mm = parseModelHeadShape(kGemma3Multimodal, "cfg.json");
        QCOMPARE(mm.layers, int64_t(34));
        QCOMPARE(mm.queryHeads, int64_t(8));
        QCOMPARE(mm.kvHeads, int64_t(4));
        const ModelHeadShape moe = parseModelHeadShape(replaced(kQwen3, "Qwen3ForCausalLM\"]", "Qwen3MoeForCausalLM\"]"), "c");
        QCOMPARE(moe.layers, int64_t(28)); // refused to run, but its heads can still be checked
        const std::string problem = expectRefusal(replaced(kGemma2, "\"num_hidden_layers\": 26", "\"num_hidden_layers\": 4611686018427387904"),
                                                  {"is beyond the supported maximum of 1024"});
        QVERIFY2(problem.empty(), problem.c_str());
    }

    void labels()
    {
        QCOMPARE(parseArchitectureLabel("gemma3"), Architecture::Gemma3);
        QCOMPARE(parseArchitectureLabel("gemma3_text"), Architecture::Gemma3);
        QCOMPARE(parseArchitectureLabel("phi3"), Architecture::Phi3);
        QVERIFY_THROWS_EXCEPTION(UsageError, parseArchitectureLabel("gpt2"));
        QCOMPARE(layerRangesText({0, 1, 2, 4, 6, 7}), std::string("0-2, 4, 6-7"));
    }
};

QTEST_GUILESS_MAIN(TestArchConfigs)
#include "tst_arch_configs.moc"
