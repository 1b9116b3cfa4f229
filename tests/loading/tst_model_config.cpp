// config.json parsing for each supported family, and errors that name the key, the expected
// and the actual value.
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"

#include <nlohmann/json.hpp>

#include <fstream>

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

    // Dimensions are refused by key and value before anything is sized from them: a
    // "num_hidden_layers": 1000000000 used to grow memory until the process was killed.
    void dimensionsBeyondLimits_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QByteArray>("message");
        const QByteArray beyond = " is beyond the supported maximum of ";
        QTest::newRow("layers 1e9") << QByteArray("num_hidden_layers") << QByteArray("1000000000") << "1000000000" + beyond + "1024";
        QTest::newRow("layers 1025") << QByteArray("num_hidden_layers") << QByteArray("1025") << "1025" + beyond + "1024";
        QTest::newRow("hidden") << QByteArray("hidden_size") << QByteArray("262144") << "262144" + beyond + "131072";
        QTest::newRow("heads") << QByteArray("num_attention_heads") << QByteArray("2048") << "2048" + beyond + "1024";
        QTest::newRow("kv heads") << QByteArray("num_key_value_heads") << QByteArray("4096") << "4096" + beyond + "1024";
        QTest::newRow("head_dim") << QByteArray("head_dim") << QByteArray("4096") << "4096" + beyond + "1024";
        QTest::newRow("intermediate") << QByteArray("intermediate_size") << QByteArray("1000000000")
                                      << "1000000000" + beyond + "1048576";
        QTest::newRow("vocab") << QByteArray("vocab_size") << QByteArray("4000000000") << "4000000000" + beyond + "16777216";
        QTest::newRow("positions") << QByteArray("max_position_embeddings") << QByteArray("1000000000000")
                                   << "1000000000000" + beyond + "16777216";
        QTest::newRow("uint64 max") << QByteArray("num_hidden_layers") << QByteArray("18446744073709551615")
                                    << QByteArray("expected a positive integer, got 18446744073709551615");
        QTest::newRow("bos past vocab") << QByteArray("bos_token_id") << QByteArray("64")
                                        << QByteArray("expected a token id in [0, vocab_size 64)");
        QTest::newRow("eos negative") << QByteArray("eos_token_id") << QByteArray("[1, -5]")
                                      << QByteArray("expected a token id in [0, vocab_size 64)");
    }

    void dimensionsBeyondLimits()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, value);
        QFETCH(QByteArray, message);
        nlohmann::json cfg = {{"architectures", {"LlamaForCausalLM"}}, {"vocab_size", 64}, {"hidden_size", 64},
                              {"intermediate_size", 128}, {"num_hidden_layers", 2}, {"num_attention_heads", 4}};
        cfg[key.toStdString()] = nlohmann::json::parse(value.toStdString());
        expectError(cfg.dump(), ("key \"" + key + "\": " + message).constData());
    }

    // Found by fuzzing (tests/data/broken/model_config): a flag or name of the wrong JSON type
    // escaped as a raw nlohmann type_error ("internal error" at the CLI) instead of a FormatError.
    void wrongTypesNamed_data()
    {
        QTest::addColumn<QByteArray>("extra");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("attention_bias") << QByteArray(R"("attention_bias": "silu")")
                                        << QByteArray(R"(key "attention_bias": expected true or false, got "silu")");
        QTest::newRow("torch_dtype") << QByteArray(R"("torch_dtype": 16)") << QByteArray(R"(key "torch_dtype": expected a string)");
        QTest::newRow("rope_type") << QByteArray(R"("rope_scaling": {"rope_type": 3, "factor": 2})")
                                   << QByteArray(R"((rope_scaling): key "rope_type": expected a string)");
    }

    void wrongTypesNamed()
    {
        QFETCH(QByteArray, extra);
        QFETCH(QByteArray, message);
        expectError(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 64, "hidden_size": 64, "intermediate_size": 128,
                        "num_hidden_layers": 2, "num_attention_heads": 4, )" + extra.toStdString() + "}",
                    message.constData());
        std::ifstream in(std::string(HEADSCOPE_SOURCE_DIR) + "/tests/data/broken/model_config/attention_bias_string.json");
        expectError(std::string(std::istreambuf_iterator<char>(in), {}), "attention_bias");
    }

    void qwen2SlidingWindowChecked()
    {
        const std::string qwen = R"({"architectures": ["Qwen2ForCausalLM"], "vocab_size": 64, "hidden_size": 64,
            "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, )";
        expectError(qwen + R"("use_sliding_window": "yes"})", R"(key "use_sliding_window": expected true or false)");
        expectError(qwen + R"("use_sliding_window": true, "sliding_window": 0})",
                    R"(key "sliding_window": expected a positive integer or null, got 0)");
        QCOMPARE(parseModelConfig(qwen + R"("use_sliding_window": true, "sliding_window": 256})", "q.json").slidingWindow,
                 std::optional<int64_t>(256));
        // A malformed value is an error even where the switch leaves it unused.
        expectError(qwen + R"("use_sliding_window": false, "sliding_window": "x"})",
                    R"(key "sliding_window": expected a positive integer or null, got "x")");
        QVERIFY(!parseModelConfig(qwen + R"("use_sliding_window": false, "sliding_window": 256})", "q.json").slidingWindow);
    }

    // rope_scaling's own position count is held to the same limit.
    void ropeOriginalPositionsBeyondLimit()
    {
        expectError(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 64, "hidden_size": 64, "intermediate_size": 128,
                        "num_hidden_layers": 2, "num_attention_heads": 4,
                        "rope_scaling": {"rope_type": "llama3", "factor": 8, "original_max_position_embeddings": 99999999999}})",
                    "key \"original_max_position_embeddings\": 99999999999 is beyond the supported maximum of 16777216");
    }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "tst_model_config.moc"
