// Golden ids of the JavaScript reference (docs/tokenizers.md), BOS/EOS policy per
// family, chat templates, special tokens in text, and typed errors for broken files.
#include "tokenizer_fixture.h"

#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using headscope::ChatTemplate;
using headscope::Tokenizer;

namespace {
Tokenizer load(const char* family)
{
    return Tokenizer::fromDirectory(fetchedTokenizerDir(family).toStdString());
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
    }

    void goldenIds()
    {
        QFETCH(QString, family);
        QFETCH(QString, text);
        QFETCH(std::vector<int32_t>, expected);
        const Tokenizer tok = load(family.toUtf8().constData());
        // The golden table is the reference's default encode: Mistral's adds <s>.
        QCOMPARE(tok.encode(text.toStdString(), family == QStringLiteral("mistral")), expected);
        QCOMPARE(QString::fromStdString(tok.decode(expected, /*skipSpecialTokens=*/true)), text);
    }

    void bosPolicy()
    {
        const Tokenizer llama = load("llama3"), mistral = load("mistral"), qwen = load("qwen2");
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

    void chatTemplates()
    {
        const Tokenizer llama = load("llama3"), mistral = load("mistral"), qwen = load("qwen2");
        QCOMPARE(llama.defaultChatTemplate(), ChatTemplate::Llama3);
        QCOMPARE(mistral.defaultChatTemplate(), ChatTemplate::Mistral);
        QCOMPARE(qwen.defaultChatTemplate(), ChatTemplate::ChatML);
        const std::string l = llama.applyChatTemplate("Hi", ChatTemplate::Llama3);
        const std::vector<int32_t> lids = llama.encode(l);
        QCOMPARE(lids.front(), 128000);                   // <|begin_of_text|> matched as an added token
        QCOMPARE(lids[1], 128006);                        // <|start_header_id|>
        QVERIFY(std::find(lids.begin(), lids.end(), 128009) != lids.end()); // <|eot_id|>
        const std::vector<int32_t> qids = qwen.encode(qwen.applyChatTemplate("Hi", ChatTemplate::ChatML));
        QCOMPARE(qids.front(), 151644);                   // <|im_start|>
        QCOMPARE(mistral.applyChatTemplate("Hi", ChatTemplate::Mistral), std::string("[INST] Hi [/INST]"));
        QCOMPARE(qwen.applyChatTemplate("Hi", ChatTemplate::Plain), std::string("Hi"));
        QCOMPARE(headscope::chatTemplateFromName("chatml").value(), ChatTemplate::ChatML);
        QVERIFY(!headscope::chatTemplateFromName("nope"));
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
