// config.json parsing for each supported family, and errors that name the key, the expected
// and the actual value.
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"

#include <QTest>

using namespace headscope;

namespace {
std::string llama3Config()
{
    return R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 128256, "hidden_size": 4096,
      "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
      "max_position_embeddings": 131072, "rope_theta": 500000.0, "rms_norm_eps": 1e-05,
      "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                       "original_max_position_embeddings": 8192, "rope_type": "llama3"},
      "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "tie_word_embeddings": false,
      "torch_dtype": "bfloat16"})";
}

void expectError(const std::string& json, const char* fragment)
{
    try {
        parseModelConfig(json, "cfg.json");
        QFAIL(qPrintable(QStringLiteral("accepted: ") + QString::fromStdString(json)));
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find(fragment) != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("cfg.json") != std::string::npos, e.what());
    }
}
} // namespace

class TestModelConfig : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void llama31()
    {
        const ModelConfig c = parseModelConfig(llama3Config(), "cfg.json");
        QCOMPARE(c.architecture, Architecture::Llama);
        QCOMPARE(c.numKvHeads, int64_t(8));
        QCOMPARE(c.groupSize(), int64_t(4));
        QCOMPARE(c.headDim, int64_t(128));
        QCOMPARE(c.ropeScaling.type, RopeScalingType::Llama3);
        QCOMPARE(c.ropeScaling.factor, 8.0);
        QCOMPARE(c.ropeScaling.originalMaxPositionEmbeddings, int64_t(8192));
        QCOMPARE(c.eosTokenIds, (std::vector<int32_t>{128001, 128008, 128009}));
        QCOMPARE(c.bosTokenId.value(), 128000);
        QVERIFY(!c.attentionBias);
        QVERIFY(!c.slidingWindow);
        QCOMPARE(c.parameterCount(), int64_t(8030261248)); // Llama-3-8B
    }

    void mistralAndQwen()
    {
        const ModelConfig m = parseModelConfig(
            R"({"architectures": ["MistralForCausalLM"], "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336,
                "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "sliding_window": 4096,
                "eos_token_id": 2, "bos_token_id": 1})",
            "cfg.json");
        QCOMPARE(m.architecture, Architecture::Mistral);
        QCOMPARE(m.slidingWindow.value(), int64_t(4096));
        QCOMPARE(m.eosTokenIds, std::vector<int32_t>{2});
        const ModelConfig q = parseModelConfig(
            R"({"architectures": ["Qwen2ForCausalLM"], "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
                "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "sliding_window": 32768,
                "use_sliding_window": false, "tie_word_embeddings": true, "rope_theta": 1000000.0})",
            "cfg.json");
        QVERIFY(q.attentionBias);
        QVERIFY(!q.slidingWindow);
        QVERIFY(q.tieWordEmbeddings);
        QCOMPARE(q.headDim, int64_t(64));
        QCOMPARE(q.parameterCount(), int64_t(494032768)); // Qwen2.5-0.5B
    }

    void roundTrip()
    {
        ModelConfig c = parseModelConfig(llama3Config(), "cfg.json");
        const ModelConfig again = parseModelConfig(modelConfigToJson(c), "again.json");
        QCOMPARE(again.numLayers, c.numLayers);
        QCOMPARE(again.ropeScaling.type, c.ropeScaling.type);
        QCOMPARE(again.ropeScaling.highFreqFactor, c.ropeScaling.highFreqFactor);
        QCOMPARE(again.eosTokenIds, c.eosTokenIds);
        QCOMPARE(again.headDim, c.headDim);
    }

    void errors()
    {
        expectError("{ nope", "not valid JSON");
        expectError(R"({"architectures": ["GPT2LMHeadModel"]})", "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM");
        expectError(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10})", "\"hidden_size\"");
        expectError(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": "many", "hidden_size": 8})",
                    "key \"vocab_size\": expected a positive integer, got \"many\"");
        expectError(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8, "intermediate_size": 8,
                        "num_hidden_layers": 1, "num_attention_heads": 3, "num_key_value_heads": 2})",
                    "multiple of num_key_value_heads");
        expectError(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8, "intermediate_size": 8,
                        "num_hidden_layers": 1, "num_attention_heads": 2, "rope_scaling": {"type": "yarn", "factor": 4}})",
                    "\"yarn\" is not supported");
        expectError(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8, "intermediate_size": 8,
                        "num_hidden_layers": 1, "num_attention_heads": 2, "eos_token_id": "x"})",
                    "eos_token_id");
        QVERIFY_THROWS_EXCEPTION(LoadError, loadModelConfig("/nonexistent/config.json"));
    }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "tst_model_config.moc"
