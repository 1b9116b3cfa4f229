// The steps of a tokenizer.json one by one, against Hugging Face tokenizers' semantics:
// normalizers (through utf8proc), pre-tokenizers (Split with every behavior, invert, empty
// matches; ByteLevel, Metaspace, Digits), decoders, added-token matching, and refusal by name
// of every type HeadScope does not implement.
#include "tokenizer/added_vocabulary.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode_text.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace headscope::tok;
using json = nlohmann::json;

namespace {
std::string normalize(const json& spec, const std::string& text)
{
    return Normalizer(spec, "t.json").normalize(text);
}
std::vector<std::string> split(const json& spec, const std::string& text, bool atOrigin = true)
{
    return PreTokenizer(spec, "t.json").split(text, atOrigin);
}
json splitSpec(const std::string& kind, const std::string& pattern, const std::string& behavior, bool invert = false)
{
    return {{"type", "Split"}, {"pattern", {{kind, pattern}}}, {"behavior", behavior}, {"invert", invert}};
}
std::string decode(const json& spec, std::vector<std::string> tokens)
{
    return Decoder(spec, "t.json").decode(std::move(tokens));
}
using Strings = std::vector<std::string>;

template <typename F>
QString refusal(F&& f)
{
    try {
        f();
    } catch (const headscope::FormatError& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}
} // namespace

class TestTokenizerPipeline : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void unicodeNormalForms()
    {
        const json nfc = {{"type", "NFC"}}, nfd = {{"type", "NFD"}}, nfkc = {{"type", "NFKC"}}, nfkd = {{"type", "NFKD"}};
        QCOMPARE(normalize(nfc, "cafe\u0301"), std::string("caf\u00e9"));
        QCOMPARE(normalize(nfd, "caf\u00e9"), std::string("cafe\u0301"));
        QCOMPARE(normalize(nfc, "\u1100\u1161\u11a8"), std::string("\uac01")); // Hangul jamo compose
        QCOMPARE(normalize(nfd, "\uac01"), std::string("\u1100\u1161\u11a8"));
        QCOMPARE(normalize(nfc, "\u212b"), std::string("\u00c5"));            // Angstrom sign
        QCOMPARE(normalize(nfc, "e\u0301\u0327"), std::string("\u0229\u0301")); // canonical reordering
        QCOMPARE(normalize(nfkc, "\ufb01 \u2460 \uff21\uff22\uff23\uff11\uff12\uff13 x\u00b2"), std::string("fi 1 ABC123 x2"));
        QCOMPARE(normalize(nfkd, "\ufb01\u00e9"), std::string("fie\u0301"));
        QCOMPARE(normalize(nfc, "\ufb01"), std::string("\ufb01")); // compatibility characters survive NFC
        QCOMPARE(normalize(nfkc, "plain ascii"), std::string("plain ascii"));
    }

    void otherNormalizers()
    {
        QCOMPARE(normalize({{"type", "Lowercase"}}, "HeLLo \u0130 \u03a3\u0391\u03a3"), std::string("hello i\u0307 \u03c3\u03b1\u03c3"));
        QCOMPARE(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}, " \u3000 hi \t\n"), std::string("hi"));
        QCOMPARE(normalize({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}}, "  hi  "), std::string("  hi"));
        QCOMPARE(normalize({{"type", "StripAccents"}}, "e\u0301 \u00e9"), std::string("e \u00e9")); // marks only, no decomposition
        QCOMPARE(normalize({{"type", "Sequence"}, {"normalizers", {{{"type", "NFD"}}, {{"type", "StripAccents"}}, {{"type", "Lowercase"}}}}},
                           "\u00c7a \u00c9t\u00e9"),
                 std::string("ca ete"));
        QCOMPARE(normalize({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}}, "a   b  c d"), std::string("a b c d"));
        QCOMPARE(normalize({{"type", "Replace"}, {"pattern", {{"String", "."}}}, {"content", "!"}}, "a.b"), std::string("a!b")); // literal
        QCOMPARE(normalize({{"type", "Prepend"}, {"prepend", "\u2581"}}, "x"), std::string("\u2581x"));
        QCOMPARE(normalize({{"type", "Prepend"}, {"prepend", "\u2581"}}, ""), std::string());
        QCOMPARE(normalize(nullptr, "unchanged"), std::string("unchanged"));
    }

    void unimplementedStepsAreRefusedByName_data()
    {
        QTest::addColumn<QString>("part");
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("name");
        QTest::newRow("BertNormalizer") << "normalizer" << QStringLiteral("{\"type\": \"BertNormalizer\"}") << "BertNormalizer";
        QTest::newRow("Precompiled") << "normalizer" << QStringLiteral("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"\"}") << "Precompiled";
        QTest::newRow("nested Nmt") << "normalizer" << QStringLiteral("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Nmt\"}]}") << "Nmt";
        QTest::newRow("Whitespace") << "pre_tokenizer" << QStringLiteral("{\"type\": \"Whitespace\"}") << "Whitespace";
        QTest::newRow("Punctuation") << "pre_tokenizer" << QStringLiteral("{\"type\": \"Punctuation\", \"behavior\": \"Isolated\"}") << "Punctuation";
        QTest::newRow("Split behavior") << "pre_tokenizer" << QStringLiteral("{\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, \"behavior\": \"Sideways\"}") << "Sideways";
        QTest::newRow("Split pattern") << "pre_tokenizer" << QStringLiteral("{\"type\": \"Split\", \"pattern\": {\"Glob\": \"*\"}, \"behavior\": \"Isolated\"}") << "Glob";
        QTest::newRow("bad regex") << "pre_tokenizer" << QStringLiteral("{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(unclosed\"}, \"behavior\": \"Isolated\"}") << "regex";
        QTest::newRow("WordPiece decoder") << "decoder" << QStringLiteral("{\"type\": \"WordPiece\", \"prefix\": \"##\"}") << "WordPiece";
        QTest::newRow("CTC decoder") << "decoder" << QStringLiteral("{\"type\": \"Sequence\", \"decoders\": [{\"type\": \"CTC\"}]}") << "CTC";
    }
    void unimplementedStepsAreRefusedByName()
    {
        QFETCH(QString, part);
        QFETCH(QString, spec);
        QFETCH(QString, name);
        const json j = json::parse(spec.toStdString());
        const QString msg = refusal([&] {
            if (part == QStringLiteral("normalizer"))
                Normalizer(j, "t.json");
            else if (part == QStringLiteral("pre_tokenizer"))
                PreTokenizer(j, "t.json");
            else
                Decoder(j, "t.json");
        });
        QVERIFY2(msg.contains(name), qPrintable(msg));
        QVERIFY2(msg.contains(QStringLiteral("t.json")) && msg.contains(part), qPrintable(msg));
    }

    void splitBehaviors()
    {
        const std::string s = "one,two,,three";
        QCOMPARE(split(splitSpec("String", ",", "Removed"), s), (Strings{"one", "two", "three"}));
        QCOMPARE(split(splitSpec("String", ",", "Isolated"), s), (Strings{"one", ",", "two", ",", ",", "three"}));
        QCOMPARE(split(splitSpec("String", ",", "MergedWithPrevious"), s), (Strings{"one,", "two,", ",", "three"}));
        QCOMPARE(split(splitSpec("String", ",", "MergedWithNext"), s), (Strings{"one", ",two", ",", ",three"}));
        QCOMPARE(split(splitSpec("String", ",", "Contiguous"), s), (Strings{"one", ",", "two", ",,", "three"}));
        // Regex patterns, invert.
        QCOMPARE(split(splitSpec("Regex", "\\w+", "Removed", true), "ab, cd!"), (Strings{"ab", "cd"}));
        QCOMPARE(split(splitSpec("Regex", "\\w+", "MergedWithPrevious", true), "ab, cd"), (Strings{"ab, ", "cd"}));
        QCOMPARE(split(splitSpec("Regex", "\\s+", "MergedWithNext"), "a  b c"), (Strings{"a", "  b", " c"}));
        // Gemma-3's pre-tokenizer: a space merged with the previous piece.
        QCOMPARE(split(splitSpec("String", " ", "MergedWithPrevious"), "Hello big world "), (Strings{"Hello ", "big ", "world "}));
        // Empty matches split too, except right after a match.
        QCOMPARE(split(splitSpec("Regex", "(?=b)", "Isolated"), "abab"), (Strings{"a", "ba", "b"}));
        // An empty String pattern matches nothing.
        QCOMPARE(split(splitSpec("String", "", "Removed"), "abc"), (Strings{"abc"}));
        // Literal: regex metacharacters in a String pattern are plain text.
        QCOMPARE(split(splitSpec("String", ".*", "Removed"), "a.*b"), (Strings{"a", "b"}));
    }

    void otherPreTokenizers()
    {
        const std::string G = "\u0120"; // byte-level space "Ġ"
        QCOMPARE(split({{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}}, "hello world"),
                 (Strings{G + "hello", G + "world"}));
        QCOMPARE(split({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}, "a b\n"), (Strings{"a" + G + "b\u010a"}));
        const std::string m = "\u2581";
        const json meta = {{"type", "Metaspace"}, {"replacement", m}, {"prepend_scheme", "always"}, {"split", true}};
        QCOMPARE(split(meta, "Hey friend"), (Strings{m + "Hey", m + "friend"}));
        json first = meta;
        first["prepend_scheme"] = "first";
        QCOMPARE(split(first, "Hey friend", /*atOrigin=*/false), (Strings{"Hey", m + "friend"}));
        QCOMPARE(split(first, "Hey friend", /*atOrigin=*/true), (Strings{m + "Hey", m + "friend"}));
        json never = meta;
        never["prepend_scheme"] = "never";
        never["split"] = false;
        QCOMPARE(split(never, "Hey friend"), (Strings{"Hey" + m + "friend"}));
        QCOMPARE(split({{"type", "Digits"}, {"individual_digits", true}}, "a123b45"), (Strings{"a", "1", "2", "3", "b", "4", "5"}));
        QCOMPARE(split({{"type", "Digits"}, {"individual_digits", false}}, "a123b45"), (Strings{"a", "123", "b", "45"}));
        // A Sequence applies its steps in order; steps after ByteLevel see mapped text.
        const json seq = {{"type", "Sequence"},
                          {"pretokenizers", {splitSpec("Regex", "\\d+", "Isolated"), {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
        QCOMPARE(split(seq, "ab 12"), (Strings{"ab" + G, "12"}));
    }

    void decoders()
    {
        const json fallback = {{"type", "Sequence"}, {"decoders", {{{"type", "ByteFallback"}}, {{"type", "Fuse"}}}}};
        QCOMPARE(decode(fallback, {"<0xE2>", "<0x96>", "<0x81>", "x"}), std::string("\u2581x"));
        QCOMPARE(decode(fallback, {"a", "<0xFF>", "<0xFE>", "b"}), std::string("a\ufffd\ufffdb")); // one U+FFFD per byte
        const json sp = {{"type", "Sequence"},
                         {"decoders", {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                       {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
                                       {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
        QCOMPARE(decode(sp, {"\u2581\u2581Hello", "\u2581world"}), std::string(" Hello world")); // strips one space only
        QCOMPARE(decode({{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}}, {"\u2581Hey", "\u2581friend"}),
                 std::string("Hey friend"));
        QCOMPARE(decode({{"type", "ByteLevel"}}, {"\u0120hello", "\u010a"}), std::string(" hello\n"));
        QCOMPARE(decode({{"type", "ByteLevel"}}, {"<|im_end|>", "a b"}), std::string("<|im_end|>a b")); // outside the table: raw bytes
        QCOMPARE(decode({{"type", "ByteLevel"}}, {"\u00e2\u0122"}), std::string("\ufffd"));                // invalid UTF-8 → U+FFFD
        QCOMPARE(decode(nullptr, {"a", "b"}), std::string("a b"));
    }

    void addedTokens()
    {
        const Normalizer none(nullptr, "t.json");
        AddedVocabulary v;
        std::vector<AddedToken> tokens;
        tokens.push_back({"<a>", 10});
        tokens.push_back({"<a><b>", 11});
        AddedToken m{"<m>", 12};
        m.lstrip = m.rstrip = true;
        tokens.push_back(m);
        AddedToken cat{"cat", 13};
        cat.singleWord = true;
        tokens.push_back(cat);
        v.build(tokens, none);
        auto pieces = [&](const std::string& text) {
            Strings out;
            for (const auto& s : v.split(text, false))
                out.push_back((s.token >= 0 ? "#" : "") + text.substr(s.start, s.end - s.start));
            return out;
        };
        QCOMPARE(pieces("x<a><b>y<a>"), (Strings{"x", "#<a><b>", "y", "#<a>"})); // leftmost-longest
        QCOMPARE(pieces("a  <m>  b"), (Strings{"a", "#  <m>  ", "b"}));          // lstrip, rstrip
        QCOMPARE(pieces("cats cat"), (Strings{"cats ", "#cat"}));                  // single_word
        QCOMPARE(v.byId(11)->content, std::string("<a><b>"));

        // normalized = true: matched in the normalized text by its normalized content.
        const Normalizer lower({{"type", "Lowercase"}}, "t.json");
        AddedVocabulary n;
        AddedToken hello{"HELLO", 20};
        hello.normalized = true;
        n.build({hello}, lower);
        QCOMPARE(n.split("say HELLO", false).size(), std::size_t(1)); // not in the raw text pass
        const auto segs = n.split(lower.normalize("say HeLLo"), true);
        QCOMPARE(segs.size(), std::size_t(2));
        QCOMPARE(segs[1].token, 0);
    }

    void validUtf8()
    {
        QVERIFY(isValidUtf8("caf\u00e9 \U0001F642"));
        QVERIFY(!isValidUtf8("\xff"));
        QVERIFY(!isValidUtf8("\xed\xa0\x80")); // a surrogate
        QCOMPARE(toValidUtf8("a\xe2\x82z"), std::string("a\ufffdz")); // one U+FFFD per maximal invalid subpart
        QCOMPARE(toValidUtf8("\xc0\xaf"), std::string("\ufffd\ufffd"));
    }
};

QTEST_GUILESS_MAIN(TestTokenizerPipeline)
#include "tst_tokenizer_pipeline.moc"
