// Golden ids of the JavaScript reference (docs/tokenizers.md), BOS/EOS policy per
// family, chat templates, special tokens in text, and typed errors for broken files.
#include "tokenizer_fixture.h"

#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <fstream>
#include <map>

using headscope::ChatTemplate;
using headscope::Tokenizer;

namespace {
// Each real tokenizer is read once per run (Gemma-3's tokenizer.json is 33 MB).
const Tokenizer& load(const char* family)
{
    static std::map<std::string, Tokenizer> loaded;
    auto it = loaded.find(family);
    if (it == loaded.end())
        it = loaded.emplace(family, Tokenizer::fromDirectory(fetchedTokenizerDir(family).toStdString())).first;
    return it->second;
}
std::vector<int32_t> ids(std::initializer_list<int32_t> l)
{
    return l;
}
} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void goldenIds_data()
    {
        QTest::addColumn<QString>("family");
        QTest::addColumn<QString>("text");
        QTest::addColumn<std::vector<int32_t>>("expected");
        const QString passkey = QStringLiteral("The secret passkey is 71432. Remember it!");
        const QString needle = QStringLiteral(
            "\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.\n");
        const QString unicode = QStringLiteral("naïve café — 東京 🙂");
        QTest::newRow("llama3 passkey") << "llama3" << passkey << ids({791, 6367, 1522, 798, 374, 220, 23193, 843, 13, 20474, 433, 0});
        QTest::newRow("llama3 needle") << "llama3" << needle
                                       << ids({198, 791, 1888, 3245, 311, 656, 304, 5960, 13175, 374, 8343, 264, 28974, 323,
                                               2503, 304, 25227, 4692, 5657, 389, 264, 40798, 1938, 627});
        QTest::newRow("llama3 unicode") << "llama3" << unicode << ids({3458, 38672, 588, 53050, 2001, 119109, 28584});
        QTest::newRow("llama3 fallback") << "llama3" << QStringLiteral("ꙮ x") << ids({166, 247, 106, 865});
        QTest::newRow("llama3 newlines") << "llama3" << QStringLiteral("Hello\n\nworld") << ids({9906, 271, 14957});
        QTest::newRow("mistral passkey") << "mistral" << passkey
                                         << ids({1, 415, 5169, 1455, 1499, 349, 28705, 28787, 28740, 28781, 28770, 28750,
                                                 28723, 13399, 378, 28808});
        QTest::newRow("mistral needle") << "mistral" << needle
                                        << ids({1, 28705, 13, 1014, 1489, 1970, 298, 511, 297, 3652, 9686, 349, 5310, 264,
                                                28267, 304, 1943, 297, 15052, 3626, 4120, 356, 264, 4376, 1780, 1370, 28723, 13});
        QTest::newRow("mistral unicode") << "mistral" << unicode
                                         << ids({1, 1879, 28920, 333, 28345, 1040, 28705, 30366, 29936, 28705, 29340});
        QTest::newRow("mistral byte fallback") << "mistral" << QStringLiteral("ꙮ x") << ids({1, 28705, 237, 156, 177, 1318});
        QTest::newRow("mistral leading space") << "mistral" << QStringLiteral(" leading space") << ids({1, 28705, 5374, 2764});
        QTest::newRow("qwen2 passkey") << "qwen2" << passkey
                                       << ids({785, 6234, 1494, 792, 374, 220, 22, 16, 19, 18, 17, 13, 19881, 432, 0});
        QTest::newRow("qwen2 unicode") << "qwen2" << unicode << ids({3376, 37572, 586, 51950, 1959, 60596, 109, 46553, 27484});
        QTest::newRow("qwen2 leading space") << "qwen2" << QStringLiteral(" leading space") << ids({6388, 3550});
        // Gemma-3 (the reference's default encode adds <bos>): "\n\n" is an added token (108),
        // unknown characters fall back to bytes, no normalizer but Replace " " → "▁".
        QTest::newRow("gemma3 passkey") << "gemma3" << passkey
                                        << ids({2, 818, 6789, 1786, 2478, 563, 236743, 236832, 236770, 236812, 236800, 236778,
                                                236761, 21429, 625, 236888});
        QTest::newRow("gemma3 unicode") << "gemma3" << unicode << ids({2, 1789, 238527, 560, 33443, 2192, 86459, 57235});
        QTest::newRow("gemma3 byte fallback") << "gemma3" << QStringLiteral("ꙮ x") << ids({2, 472, 391, 412, 1123});
        QTest::newRow("gemma3 newlines") << "gemma3" << QStringLiteral("Hello\n\nworld") << ids({2, 9259, 108, 12392});
        QTest::newRow("gemma3 leading space") << "gemma3" << QStringLiteral(" leading space") << ids({2, 5830, 2557});
    }

    void goldenIds()
    {
        QFETCH(QString, family);
        QFETCH(QString, text);
        QFETCH(std::vector<int32_t>, expected);
        const Tokenizer& tok = load(family.toUtf8().constData());
        // The golden table is the reference's default encode: Mistral's adds <s>, Gemma's <bos>.
        QCOMPARE(tok.encode(text.toStdString(), family == QStringLiteral("mistral") || family == QStringLiteral("gemma3")), expected);
        QCOMPARE(QString::fromStdString(tok.decode(expected, /*skipSpecialTokens=*/true)), text);
    }

    // Qwen's NFC normalizer: "e" + U+0301 (as macOS and web text often spell it) encodes as the
    // composed "é" does, in 2 ids not 3, and decodes composed.
    void normalizedBeforeEncoding()
    {
        const Tokenizer& qwen = load("qwen2");
        QCOMPARE(qwen.encode("cafe\u0301"), ids({924, 58858}));
        QCOMPARE(qwen.encode("caf\u00e9"), ids({924, 58858}));
        QCOMPARE(qwen.decode(ids({924, 58858})), std::string("caf\u00e9"));
    }

    void bosPolicy()
    {
        const Tokenizer& llama = load("llama3");
        const Tokenizer& mistral = load("mistral");
        const Tokenizer& qwen = load("qwen2");
        const Tokenizer& gemma = load("gemma3");
        QVERIFY(gemma.addsBosByDefault());
        QCOMPARE(gemma.bosId().value_or(-1), 2); // <bos>: tokenizer_config.json add_bos_token
        QCOMPARE(gemma.eosIds().front(), 106);    // <end_of_turn>: tokenizer_config.json eos_token
        QVERIFY(llama.addsBosByDefault());
        QCOMPARE(llama.bosId().value_or(-1), 128000);
        QVERIFY(mistral.addsBosByDefault());
        QCOMPARE(mistral.bosId().value_or(-1), 1);
        QVERIFY(!qwen.addsBosByDefault());
        QVERIFY(!qwen.bosId().has_value());
        QVERIFY(std::find(mistral.eosIds().begin(), mistral.eosIds().end(), 2) != mistral.eosIds().end());
        QVERIFY(std::find(qwen.eosIds().begin(), qwen.eosIds().end(), 151645) != qwen.eosIds().end());
        // No BOS unless asked.
        QCOMPARE(mistral.encode("Hello").front(), 22557);
    }

    // Every fetched file carries a chat template but Mistral's; the built-in templates render one
    // user turn as the family's own template does (tst_tokenizer_parity compares both with the
    // reference), and chat prompts carry their BOS in the text.
    void chatTemplates()
    {
        const Tokenizer& llama = load("llama3");
        const Tokenizer& mistral = load("mistral");
        const Tokenizer& qwen = load("qwen2");
        const Tokenizer& gemma = load("gemma3");
        QCOMPARE(llama.defaultChatTemplate(), ChatTemplate::Checkpoint);
        QCOMPARE(qwen.defaultChatTemplate(), ChatTemplate::Checkpoint);
        QCOMPARE(gemma.defaultChatTemplate(), ChatTemplate::Checkpoint);
        QCOMPARE(mistral.defaultChatTemplate(), ChatTemplate::Mistral); // no chat_template in its tokenizer_config.json
        QVERIFY_THROWS_EXCEPTION(headscope::UsageError, mistral.applyChatTemplate("Hi", ChatTemplate::Checkpoint));
        QCOMPARE(mistral.applyChatTemplate("Hi", ChatTemplate::Mistral), std::string("<s>[INST] Hi [/INST]"));
        QCOMPARE(llama.applyChatTemplate(" Hi\n", ChatTemplate::Checkpoint),
                 std::string("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                             "<|start_header_id|>assistant<|end_header_id|>\n\n"));
        QCOMPARE(qwen.applyChatTemplate("Hi", ChatTemplate::Checkpoint),
                 std::string("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        QCOMPARE(qwen.applyChatTemplate("Hi", ChatTemplate::ChatML), std::string("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"));
        QCOMPARE(gemma.applyChatTemplate("Hi", ChatTemplate::Checkpoint),
                 std::string("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"));
        QCOMPARE(qwen.applyChatTemplate("Hi", ChatTemplate::Phi3), std::string("<|user|>\nHi<|end|>\n<|assistant|>\n"));
        QCOMPARE(qwen.applyChatTemplate("Hi", ChatTemplate::Plain), std::string("Hi"));

        // The template's BOS text becomes the BOS id; special tokens in it are single ids.
        const std::vector<int32_t> g = gemma.encode(gemma.applyChatTemplate("Hi", ChatTemplate::Checkpoint));
        QCOMPARE(g.front(), 2);   // <bos>
        QCOMPARE(g[1], 105);      // <start_of_turn>
        QCOMPARE(std::count(g.begin(), g.end(), 2), 1);
        const std::vector<int32_t> l = llama.encode(llama.applyChatTemplate("Hi", ChatTemplate::Checkpoint));
        QCOMPARE(l.front(), 128000);
        QCOMPARE(l[1], 128006);
        QVERIFY(std::find(l.begin(), l.end(), 128009) != l.end()); // <|eot_id|>
        const std::vector<int32_t> q = qwen.encode(qwen.applyChatTemplate("Hi", ChatTemplate::Checkpoint));
        QCOMPARE(q.front(), 151644); // <|im_start|>
        QVERIFY(std::find(q.begin(), q.end(), 151667) != q.end()); // <think>
    }

    void brokenFiles()
    {
        QTemporaryDir dir;
        const std::string bad = dir.filePath(QStringLiteral("tokenizer.json")).toStdString();
        std::ofstream(bad) << "{ not json";
        QVERIFY_THROWS_EXCEPTION(headscope::FormatError, Tokenizer::fromFile(bad));
        std::ofstream(bad, std::ios::trunc) << R"({"model": {"type": "Unigram", "vocab": []}})";
        try {
            Tokenizer::fromFile(bad);
            QFAIL("a Unigram tokenizer was accepted");
        } catch (const headscope::FormatError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("model.type")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(headscope::LoadError,
                                 Tokenizer::fromFile(dir.filePath(QStringLiteral("missing.json")).toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
