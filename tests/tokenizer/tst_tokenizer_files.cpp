// What a tokenizer directory may hold, and what is refused: malformed tokenizer.json content
// (empty or list-shaped vocab, merges as one string or malformed entries, a byte-level vocab
// without its byte symbols, special tokens missing from the vocabulary) is refused with the
// file and key; BOS/EOS come from the post-processor, tokenizer_config.json and
// generation_config.json; unreadable paths are named with the cause; ids are checked.
#include "small_tokenizer.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

using headscope::Tokenizer;
using json = nlohmann::ordered_json;
using headscope::test::addedToken;
using headscope::test::byteLevelTokenizer;
using headscope::test::byteSymbol;

namespace {

class Dir {
public:
    Dir() { QVERIFY(m_dir.isValid()); }
    std::filesystem::path path() const { return m_dir.path().toStdString(); }
    std::filesystem::path write(const std::string& name, const std::string& text) const
    {
        const auto p = path() / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
    std::filesystem::path write(const std::string& name, const json& j) const { return write(name, j.dump()); }

private:
    QTemporaryDir m_dir;
};

// The message of the FormatError/LoadError loading `dir` throws, or "" when it loads.
QString loadError(const std::filesystem::path& dir)
{
    try {
        Tokenizer::fromDirectory(dir);
    } catch (const headscope::Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

class TestTokenizerFiles : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void validSmallTokenizer()
    {
        Dir d;
        d.write("tokenizer.json", byteLevelTokenizer());
        const Tokenizer tok = Tokenizer::fromDirectory(d.path());
        QCOMPARE(tok.encode("hello"), (std::vector<int32_t>{259}));   // both merge spellings are read
        QCOMPARE(tok.encode("<s>hello"), (std::vector<int32_t>{260, 259}));
        QCOMPARE(tok.decode(std::vector<int32_t>{260, 259, 32}), std::string("<s>hello "));
        QCOMPARE(tok.vocabSize(), int64_t(262));
        // Bytes that are not UTF-8 are read as U+FFFD (EF BF BD), as Python would hold them.
        QCOMPARE(tok.encode("\xff"), (std::vector<int32_t>{0xef, 0xbf, 0xbd}));
    }

    void malformedFilesAreRefused_data()
    {
        QTest::addColumn<QString>("mutationName");
        QTest::addColumn<QString>("mustName"); // the key the message names
        QTest::newRow("empty vocab") << "empty vocab" << "model.vocab";
        QTest::newRow("list-shaped vocab") << "list vocab" << "model.vocab";
        QTest::newRow("merges as one string") << "merges string" << "model.merges";
        QTest::newRow("merge with three parts") << "merge three parts" << "model.merges[0]";
        QTest::newRow("merge pair of three") << "merge triple" << "model.merges[1]";
        QTest::newRow("merge of unknown tokens") << "merge oov" << "model.merges[4]";
        QTest::newRow("no byte-level space") << "no G" << "\u0120";
        QTest::newRow("negative id") << "negative id" << "model.vocab";
        QTest::newRow("id used twice") << "duplicate id" << "model.vocab";
        QTest::newRow("huge id") << "huge id" << "model.vocab";
        QTest::newRow("unknown unk_token") << "unk oov" << "model.unk_token";
        QTest::newRow("dropout") << "dropout" << "model.dropout";
        QTest::newRow("subword prefix") << "prefix" << "continuing_subword_prefix";
        QTest::newRow("added token without id") << "added no id" << "added_tokens[0]";
        QTest::newRow("post-processor token missing") << "post missing" << "post_processor";
        QTest::newRow("post-processor id wrong") << "post wrong id" << "post_processor";
        QTest::newRow("unknown post-processor") << "post roberta" << "RobertaProcessing";
        QTest::newRow("byte fallback without byte tokens") << "fallback no bytes" << "byte_fallback";
        QTest::newRow("top-level array") << "array" << "JSON object";
        QTest::newRow("not JSON") << "garbage" << "not valid JSON";
    }
    void malformedFilesAreRefused()
    {
        QFETCH(QString, mutationName);
        QFETCH(QString, mustName);
        const std::string mutation = mutationName.toStdString();
        json t = byteLevelTokenizer();
        json& m = t["model"];
        std::string raw;
        if (mutation == "empty vocab") m["vocab"] = json::object();
        else if (mutation == "list vocab") m["vocab"] = json::array({json::array({"a", 0}), json::array({"b", 1})});
        else if (mutation == "merges string") m["merges"] = "h e\nl l";
        else if (mutation == "merge three parts") m["merges"][0] = "h e l";
        else if (mutation == "merge triple") m["merges"][1] = json::array({"l", "l", "o"});
        else if (mutation == "merge oov") m["merges"].push_back("q \u4e00");
        else if (mutation == "no G") m["vocab"].erase(byteSymbol(' '));
        else if (mutation == "negative id") m["vocab"]["neg"] = -4;
        else if (mutation == "duplicate id") m["vocab"]["dup"] = 7;
        else if (mutation == "huge id") m["vocab"]["big"] = 2000000000;
        else if (mutation == "unk oov") m["unk_token"] = "<unk>";
        else if (mutation == "dropout") m["dropout"] = 0.1;
        else if (mutation == "prefix") m["continuing_subword_prefix"] = "##";
        else if (mutation == "added no id") t["added_tokens"][0].erase("id");
        else if (mutation == "post missing" || mutation == "post wrong id") {
            const std::string tokenText = mutation == "post missing" ? "<bos>" : "<s>";
            t["post_processor"] = {{"type", "TemplateProcessing"},
                                   {"single", json::array({{{"SpecialToken", {{"id", tokenText}, {"type_id", 0}}}},
                                                           {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                                   {"special_tokens", {{tokenText, {{"id", tokenText}, {"ids", json::array({261})}, {"tokens", json::array({tokenText})}}}}}};
        } else if (mutation == "post roberta") t["post_processor"] = {{"type", "RobertaProcessing"}};
        else if (mutation == "fallback no bytes") {
            m["byte_fallback"] = true;
            t["pre_tokenizer"] = nullptr;
        } else if (mutation == "array") raw = "[1, 2]";
        else if (mutation == "garbage") raw = "{ not json";
        else QFAIL("unknown mutation");
        Dir d;
        const auto file = raw.empty() ? d.write("tokenizer.json", t) : d.write("tokenizer.json", raw);
        const QString msg = loadError(d.path());
        QVERIFY2(!msg.isEmpty(), "accepted");
        QVERIFY2(msg.contains(QString::fromStdString(file.string())), qPrintable(msg));
        QVERIFY2(msg.contains(mustName), qPrintable(msg));
    }

    void tokenizerConfigMustNameExistingTokens_data()
    {
        QTest::addColumn<QString>("config");
        QTest::addColumn<QString>("key");
        QTest::newRow("bos") << "{\"bos_token\": \"<|begin_of_text|>\"}" << "bos_token";
        QTest::newRow("eos as AddedToken") << "{\"eos_token\": {\"content\": \"<eos>\", \"__type\": \"AddedToken\"}}" << "eos_token";
        QTest::newRow("pad") << "{\"pad_token\": \"<pad>\"}" << "pad_token";
        QTest::newRow("additional") << "{\"additional_special_tokens\": [\"<s>\", \"<tool>\"]}" << "additional_special_tokens[1]";
        QTest::newRow("top-level null") << "null" << "JSON object";
    }
    void tokenizerConfigMustNameExistingTokens()
    {
        QFETCH(QString, config);
        QFETCH(QString, key);
        Dir d;
        d.write("tokenizer.json", byteLevelTokenizer());
        const auto cfg = d.write("tokenizer_config.json", config.toStdString());
        const QString msg = loadError(d.path());
        QVERIFY2(msg.contains(QString::fromStdString(cfg.string())) && msg.contains(key), qPrintable(msg));
    }

    void bosAndEosFromTheFiles()
    {
        Dir d;
        json t = byteLevelTokenizer();
        d.write("tokenizer.json", t);
        {
            // "<s>" marks the Mistral/Llama-2 family: BOS added by default.
            const Tokenizer tok = Tokenizer::fromDirectory(d.path());
            QCOMPARE(tok.bosId().value_or(-1), 260);
            QVERIFY(tok.addsBosByDefault());
            QCOMPARE(tok.eosIds(), (std::vector<int32_t>{261}));
        }
        d.write("tokenizer_config.json", std::string("{\"bos_token\": \"<s>\", \"add_bos_token\": false, \"eos_token\": \"</s>\"}"));
        QVERIFY(!Tokenizer::fromDirectory(d.path()).addsBosByDefault());
        d.write("tokenizer_config.json", std::string("{\"bos_token\": null, \"eos_token\": {\"content\": \"</s>\"}}"));
        QVERIFY(!Tokenizer::fromDirectory(d.path()).bosId());
        // generation_config.json: eos_token_id as a list, or as an int.
        d.write("generation_config.json", std::string("{\"eos_token_id\": [104, 261]}"));
        QCOMPARE(Tokenizer::fromDirectory(d.path()).eosIds(), (std::vector<int32_t>{104, 261}));
        d.write("generation_config.json", std::string("{\"eos_token_id\": 33}"));
        QCOMPARE(Tokenizer::fromDirectory(d.path()).eosIds(), (std::vector<int32_t>{33, 261}));
        d.write("generation_config.json", std::string("{\"eos_token_id\": 999}"));
        QVERIFY(loadError(d.path()).contains(QStringLiteral("eos_token_id")));
        std::filesystem::remove(d.path() / "generation_config.json");

        // A post-processor that starts with a special token adds it: Gemma's <bos> without a config.
        std::filesystem::remove(d.path() / "tokenizer_config.json");
        t["added_tokens"].push_back(addedToken(262, "<bos>"));
        t["added_tokens"].push_back(addedToken(263, "<start_of_turn>"));
        t["added_tokens"].push_back(addedToken(264, "<end_of_turn>"));
        t["added_tokens"].erase(0);
        t["post_processor"] = {{"type", "TemplateProcessing"},
                               {"single", json::array({{{"SpecialToken", {{"id", "<bos>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                               {"special_tokens", {{"<bos>", {{"id", "<bos>"}, {"ids", json::array({262})}, {"tokens", json::array({"<bos>"})}}}}}};
        d.write("tokenizer.json", t);
        const Tokenizer gemma = Tokenizer::fromDirectory(d.path());
        QCOMPARE(gemma.bosId().value_or(-1), 262);
        QVERIFY(gemma.addsBosByDefault());
        QCOMPARE(gemma.defaultChatTemplate(), headscope::ChatTemplate::Gemma);
        QCOMPARE(gemma.applyChatTemplate(" Hi ", headscope::ChatTemplate::Gemma),
                 std::string("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"));
        // A chat_template in tokenizer_config.json (or chat_template.jinja) is the checkpoint's own.
        d.write("chat_template.jinja", std::string("{{ bos_token }}[{{ messages[0]['content'] }}]{% if add_generation_prompt %}>{% endif %}"));
        d.write("tokenizer_config.json", std::string("{\"bos_token\": \"<bos>\"}"));
        const Tokenizer own = Tokenizer::fromDirectory(d.path());
        QCOMPARE(own.defaultChatTemplate(), headscope::ChatTemplate::Checkpoint);
        QCOMPARE(own.applyChatTemplate("Hi", headscope::ChatTemplate::Checkpoint), std::string("<bos>[Hi]>"));
        d.write("chat_template.jinja", std::string("{% filter upper %}x{% endfilter %}"));
        try {
            Tokenizer::fromDirectory(d.path()).applyChatTemplate("Hi", headscope::ChatTemplate::Checkpoint);
            QFAIL("an unimplemented statement was rendered");
        } catch (const headscope::FormatError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("chat_template.jinja")) &&
                         QString::fromUtf8(e.what()).contains(QStringLiteral("filter")), e.what());
        }
    }

    void unreadablePathsAreNamed()
    {
        Dir d;
        const auto dirPath = d.path();
        // A directory where tokenizer.json is expected, through fromFile.
        std::filesystem::create_directory(dirPath / "tokenizer.json");
        try {
            Tokenizer::fromFile(dirPath / "tokenizer.json");
            QFAIL("a directory was read as a file");
        } catch (const headscope::LoadError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("is a directory")), e.what());
        }
        // A checkpoint directory without tokenizer.json; a missing path.
        Dir empty;
        QVERIFY(loadError(empty.path()).contains(QStringLiteral("no tokenizer.json")));
        QVERIFY(loadError(empty.path() / "nope").contains(QStringLiteral("no such directory")));
        QVERIFY_THROWS_EXCEPTION(headscope::LoadError, headscope::readFileBytes(empty.path() / "missing.txt"));
        // Not a regular file.
        const auto fifo = empty.path() / "fifo";
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        try {
            headscope::readFileBytes(fifo, "--prompt-file");
            QFAIL("a FIFO was read");
        } catch (const headscope::LoadError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("--prompt-file ")) &&
                         QString::fromUtf8(e.what()).contains(QStringLiteral("not a regular file")), e.what());
        }
        // Permission: meaningful only when not root (root reads everything).
        const auto locked = empty.write("locked.json", std::string("{}"));
        ::chmod(locked.c_str(), 0);
        if (::geteuid() != 0) {
            try {
                headscope::readFileBytes(locked);
                QFAIL("an unreadable file was read");
            } catch (const headscope::LoadError& e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("permission denied")), e.what());
            }
        }
        QCOMPARE(headscope::readFileBytes(empty.write("ok.txt", std::string("abc"))), std::string("abc"));
    }

    void idsAreChecked()
    {
        Dir d;
        d.write("tokenizer.json", byteLevelTokenizer());
        const Tokenizer tok = Tokenizer::fromDirectory(d.path());
        tok.checkIds(std::vector<int32_t>{0, 259, 261});
        for (int32_t bad : {-1, 262, 1 << 30}) {
            try {
                tok.checkIds(std::vector<int32_t>{5, bad});
                QFAIL("a bad id passed");
            } catch (const headscope::UsageError& e) {
                const QString msg = QString::fromUtf8(e.what());
                QVERIFY2(msg.contains(QString::number(bad)) && msg.contains(QStringLiteral("262")), e.what());
            }
        }
        // decode itself skips them, as Hugging Face does.
        QCOMPARE(tok.decode(std::vector<int32_t>{-1, 259, 5000}), std::string("hello"));
    }
};

QTEST_GUILESS_MAIN(TestTokenizerFiles)
#include "tst_tokenizer_files.moc"
