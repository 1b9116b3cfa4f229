// Text the tokenizer is given is not always valid UTF-8 (a Latin-1 haystack file, a truncated
// prompt file). The pre-tokenizer's regex assumes valid UTF-8, and invalid bytes crashed it
// (found by fuzzing: tests/data/broken/tokenizer). Invalid bytes are read as U+FFFD, as Python
// decoding with errors="replace" gives them. Needs no downloaded tokenizer: the byte-level one
// writeTestModel writes has the GPT-2 split pattern.
#include "headscope/core/checkpoint.h"
#include "headscope/core/tokenizer.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

using namespace headscope;
namespace fs = std::filesystem;

class TestTokenizerInput : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    Tokenizer byteLevel()
    {
        TestModelSpec spec;
        spec.byteTokenizer = true;
        const fs::path dir = m_dir.filePath(QStringLiteral("model")).toStdString();
        if (!fs::exists(dir / "tokenizer.json"))
            writeTestModel(spec, dir);
        return Tokenizer::fromDirectory(dir);
    }

private Q_SLOTS:
    void invalidUtf8ReadAsReplacementCharacter()
    {
        const Tokenizer tok = byteLevel();
        const fs::path file = fs::path(HEADSCOPE_SOURCE_DIR) / "tests/data/broken/tokenizer/invalid_utf8_text.txt";
        std::ifstream in(file, std::ios::binary);
        const std::string fuzzed{std::istreambuf_iterator<char>(in), {}};
        QVERIFY(fuzzed.find('\xff') != std::string::npos);
        for (int32_t id : tok.encode(fuzzed))
            QVERIFY(id >= 0 && id < tok.vocabSize());

        const std::string replacement = "\xEF\xBF\xBD";
        // A stray byte, a truncated 3-byte sequence, an overlong encoding, a surrogate, a code
        // point past U+10FFFF: each maximal invalid part is one U+FFFD, the rest is kept.
        QCOMPARE(tok.encode("a\xff" "b"), tok.encode("a" + replacement + "b"));
        QCOMPARE(tok.encode("\xe2\x82" "A"), tok.encode(replacement + "A"));
        QCOMPARE(tok.encode("\xc0\xaf"), tok.encode(replacement + replacement));
        QCOMPARE(tok.encode("\xed\xa0\x80"), tok.encode(replacement + replacement + replacement));
        QCOMPARE(tok.encode("\xf4\x90\x80\x80"), tok.encode(replacement + replacement + replacement + replacement));
        QCOMPARE(tok.encode("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"), tok.encode("café € 🙂")); // valid text unchanged
        QCOMPARE(tok.decode(tok.encode("x\xffy")), "x" + replacement + "y");
    }
};

QTEST_GUILESS_MAIN(TestTokenizerInput)
#include "tst_tokenizer_input.moc"
