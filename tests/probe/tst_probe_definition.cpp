// Probe definition: needle files as published, grids, depths, synthetic haystack determinism,
// and needle span location in the final prompt ids for Llama-3, Mistral and Qwen2 tokenizers.
#include "tokenizer/tokenizer_fixture.h"

#include "headscope/core/errors.h"
#include "headscope/core/probe_config.h"

#include <QTest>

#include <algorithm>

#include <filesystem>

using namespace headscope;

class TestProbeDefinition : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void needleFiles()
    {
        const std::filesystem::path dir = HEADSCOPE_TEST_FIXTURES_DIR "/needles";
        const auto retrieval = loadNeedles(dir / "retrieval_needles.jsonl");
        QCOMPARE(retrieval.size(), std::size_t(3));
        QVERIFY(retrieval[1].realNeedle.find("Chaoyang Park") != std::string::npos);
        QCOMPARE(retrieval[1].answer, retrieval[1].realNeedle); // no answer field: falls back to real_needle
        const auto reasoning = loadNeedles(dir / "reasoning_needles.jsonl");
        QVERIFY(reasoning.size() >= 2);
        QVERIFY(!reasoning[0].answer.empty());
        const auto structure = loadNeedles(dir / "structure_needles.jsonl");
        QVERIFY(structure[0].needle.rfind("Tom was born in 2005", 0) == 0);
        const auto defaults = defaultNeedles();
        QCOMPARE(defaults.size(), std::size_t(3));
        QCOMPARE(defaults[2].question, std::string("Which year did Tom start high school?"));
    }

    void badNeedleFile()
    {
        const std::string path = HEADSCOPE_TEST_DATA_DIR "/bad_needles.jsonl";
        FILE* f = std::fopen(path.c_str(), "w");
        std::fputs("{\"needle\": \"x\", \"question\": \"q\"}\n{\"needle\": 3}\n", f);
        std::fclose(f);
        try {
            loadNeedles(path);
            QFAIL("accepted a bad needle file");
        } catch (const FormatError& e) {
            QVERIFY2(std::string(e.what()).find("bad_needles.jsonl:2") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("\"needle\"") != std::string::npos, e.what());
        }
    }

    void grids()
    {
        QCOMPARE(linspaceLengths(2048, 2048, 3), (std::vector<int>{2048, 2048, 2048})); // DiliLazyKV's default
        QCOMPARE(linspaceLengths(0 + 1000, 4096, 3), (std::vector<int>{1000, 2548, 4096}));
        QCOMPARE(parseDepths("0.1,0.5,0.9"), (std::vector<double>{0.1, 0.5, 0.9}));
        QCOMPARE(parseDepths("10,50,90"), (std::vector<double>{0.1, 0.5, 0.9}));
        QCOMPARE(parseDepths("0%,100%"), (std::vector<double>{0.0, 1.0}));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseDepths("150"));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseDepths("a,b"));
        QVERIFY_THROWS_EXCEPTION(UsageError, linspaceLengths(10, 5, 2));
    }

    void syntheticHaystackIsDeterministic()
    {
        const std::string a = syntheticHaystack(7, 5000), b = syntheticHaystack(7, 5000), c = syntheticHaystack(8, 5000);
        QCOMPARE(a, b);
        QVERIFY(a != c);
        QVERIFY(a.size() >= 5000);
        QVERIFY(a.find(". ") != std::string::npos);
    }

    void chatPromptCarriesOneBos_data();
    void chatPromptCarriesOneBos();

    void spanLocation_data()
    {
        QTest::addColumn<QString>("family");
        QTest::addColumn<double>("depth");
        for (const char* f : {"llama3", "mistral", "qwen2"})
            for (double d : {0.0, 0.5, 1.0})
                QTest::newRow(qPrintable(QStringLiteral("%1 depth %2").arg(QLatin1String(f)).arg(d))) << QString::fromLatin1(f) << d;
        QTest::newRow("gemma3 depth 0.5") << QStringLiteral("gemma3") << 0.5;
    }

    void spanLocation()
    {
        QFETCH(QString, family);
        QFETCH(double, depth);
        const Tokenizer tok = Tokenizer::fromDirectory(fetchedTokenizerDir(family.toUtf8().constData()).toStdString());
        const Needle needle = defaultNeedles()[0];
        PromptOptions o;
        o.addBos = tok.addsBosByDefault();
        const BuiltPrompt p = buildPrompt(tok, syntheticHaystack(1, 20000), needle, 512, depth, o);
        QVERIFY(static_cast<int>(p.ids.size()) <= 512);
        QVERIFY(static_cast<int>(p.ids.size()) > 300);
        const std::vector<int32_t> span(p.ids.begin() + p.spanStart, p.ids.begin() + p.spanEnd);
        const std::string text = tok.decode(span);
        QVERIFY2(text.find("good ways to spend time in campus include relax and do nothing") != std::string::npos, text.c_str());
        if (depth == 0.0)
            QVERIFY(p.spanStart <= 2); // right after BOS
        if (depth == 1.0) {
            const std::string after = tok.decode(std::vector<int32_t>(p.ids.begin() + p.spanEnd, p.ids.end()));
            QVERIFY2(after.find("Based on the content in the book") != std::string::npos, after.c_str());
            QVERIFY(after.size() < 200);
        }
        if (o.addBos)
            QCOMPARE(p.ids.front(), *tok.bosId());
    }
};

// With a chat template the prompt is the family's template around the filled probe text,
// with exactly one BOS (the template's) where the family has one, and the needle still found.
void TestProbeDefinition::chatPromptCarriesOneBos_data()
{
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("firstId");
    QTest::newRow("llama3") << QStringLiteral("llama3") << 128000; // <|begin_of_text|>
    QTest::newRow("mistral (built-in)") << QStringLiteral("mistral") << 1; // <s>
    QTest::newRow("qwen3") << QStringLiteral("qwen2") << 151644;  // <|im_start|>, no BOS
    QTest::newRow("gemma3") << QStringLiteral("gemma3") << 2;     // <bos>
}

void TestProbeDefinition::chatPromptCarriesOneBos()
{
    QFETCH(QString, family);
    QFETCH(int, firstId);
    const Tokenizer tok = Tokenizer::fromDirectory(fetchedTokenizerDir(family.toUtf8().constData()).toStdString());
    PromptOptions o;
    o.addBos = tok.addsBosByDefault();
    o.chat = tok.defaultChatTemplate();
    const BuiltPrompt p = buildPrompt(tok, syntheticHaystack(1, 20000), defaultNeedles()[0], 512, 0.5, o);
    QCOMPARE(p.ids.front(), firstId);
    if (tok.bosId())
        QCOMPARE(std::count(p.ids.begin(), p.ids.end(), *tok.bosId()), 1);
    const std::string span = tok.decode(std::vector<int32_t>(p.ids.begin() + p.spanStart, p.ids.begin() + p.spanEnd));
    QVERIFY2(span.find("relax and do nothing") != std::string::npos, span.c_str());
}

QTEST_GUILESS_MAIN(TestProbeDefinition)
#include "tst_probe_definition.moc"
