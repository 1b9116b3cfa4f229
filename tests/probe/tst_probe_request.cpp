// The probe's domain types in core, shared by the CLI and the GUI: HaystackSpec (what sessions
// record, parsed back), ProbeRequest::validate (the one place probe options are checked, errors
// naming the option), the text parsers both front ends use, and promptOptionsFor (the BOS policy
// and chat template come from the tokenizer, not from a front end's default).
#include "fakes/byte_tokenizer.h"

#include "headscope/core/errors.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/score_file.h" // writeTextFile
#include "headscope/core/sha256.h"

#include <QTemporaryDir>
#include <QTest>

using namespace headscope;

namespace {
QString usageError(const ProbeRequest& r)
{
    try {
        r.validate();
    } catch (const UsageError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}
} // namespace

class TestProbeRequest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    ProbeRequest valid() const
    {
        ProbeRequest r;
        r.lengths = {300};
        r.depths = {0.5};
        r.out = m_dir.filePath(QStringLiteral("s.h5")).toStdString();
        return r;
    }

private Q_SLOTS:
    void haystackSpecsRoundTrip()
    {
        const std::string sha(64, 'a');
        for (const HaystackSpec& spec :
             {HaystackSpec::synthetic(7), HaystackSpec::directory("/data/essays"), HaystackSpec::file("/data/my book.txt")}) {
            QCOMPARE(HaystackSpec::parse(spec.describe()), spec);
            HaystackSpec hashed = spec;
            if (spec.kind != HaystackSpec::Kind::Synthetic)
                hashed.sha256 = sha;
            QCOMPARE(HaystackSpec::parse(hashed.describe()), hashed);
        }
        QCOMPARE(HaystackSpec::synthetic(7).describe(), std::string("synthetic seed=7"));
        QCOMPARE(HaystackSpec::parse("dir /a b/c sha256=" + sha).path, std::filesystem::path("/a b/c"));
        for (const char* bad : {"synthetic seed=x", "synthetic seed=", "folder /x", "dir ", "file /x sha256=zz"})
            QVERIFY_THROWS_EXCEPTION(FormatError, HaystackSpec::parse(bad));
    }

    void haystacksLoadAndCheckTheirHash()
    {
        const QString dir = m_dir.filePath(QStringLiteral("hay"));
        QVERIFY(QDir().mkpath(dir));
        writeTextFile((dir + QStringLiteral("/a.txt")).toStdString(), "Alpha text.");
        const LoadedHaystack fromDir = loadHaystack(HaystackSpec::fromPath(dir.toStdString()), 100);
        QCOMPARE(fromDir.spec.kind, HaystackSpec::Kind::Directory);
        QCOMPARE(fromDir.spec.sha256, sha256Hex(fromDir.text));
        QCOMPARE(fromDir.spec.describe(), "dir " + dir.toStdString() + " sha256=" + fromDir.spec.sha256);
        const LoadedHaystack fromFile = loadHaystack(HaystackSpec::fromPath((dir + QStringLiteral("/a.txt")).toStdString()), 100);
        QCOMPARE(fromFile.spec.kind, HaystackSpec::Kind::File);
        QCOMPARE(fromFile.text, std::string("Alpha text."));
        // A recorded hash that no longer matches is refused.
        HaystackSpec recorded = fromFile.spec;
        writeTextFile((dir + QStringLiteral("/a.txt")).toStdString(), "Changed.");
        QVERIFY_THROWS_EXCEPTION(LoadError, loadHaystack(recorded, 100));
        QVERIFY_THROWS_EXCEPTION(LoadError, HaystackSpec::fromPath(m_dir.filePath(QStringLiteral("none")).toStdString()));
        // Synthetic prose is long enough for the longest context and prefix-stable.
        const LoadedHaystack shortest = loadHaystack(HaystackSpec::synthetic(3), 10);
        const LoadedHaystack longest = loadHaystack(HaystackSpec::synthetic(3), 100000);
        QVERIFY(longest.text.size() >= 800000);
        QCOMPARE(longest.text.substr(0, shortest.text.size()), shortest.text);
        QVERIFY(shortest.spec.sha256.empty());
    }

    void validateNamesTheOption()
    {
        QVERIFY(usageError(valid()).isEmpty());
        ProbeRequest r = valid();
        r.lengths = {300, 12};
        QVERIFY2(usageError(r).contains(QStringLiteral("--lengths")), qPrintable(usageError(r)));
        r = valid();
        r.depths = {1.5};
        QVERIFY(usageError(r).contains(QStringLiteral("--depths")));
        r = valid();
        r.out.clear();
        QVERIFY(usageError(r).contains(QStringLiteral("--out")));
        r = valid();
        r.shardIndex = 3;
        r.shardCount = 2;
        QVERIFY(usageError(r).contains(QStringLiteral("--shard")));
        r = valid();
        r.promptTemplate = "no placeholders";
        QVERIFY(usageError(r).contains(QStringLiteral("--template")));
        r = valid();
        r.needles.clear();
        QVERIFY(usageError(r).contains(QStringLiteral("needles")));
        r = valid();
        r.topK = 0;
        QVERIFY(usageError(r).contains(QStringLiteral("--top_k_infscore")));
        r = valid();
        r.haystack = HaystackSpec::directory({});
        QVERIFY(usageError(r).contains(QStringLiteral("haystack")));
        QCOMPARE(valid().describeGrid(), std::string("1 length × 1 depth × 3 needles = 3 tests"));
    }

    void textFormsBothFrontEndsParse()
    {
        QCOMPARE(parseLengths("1000, 2000,4000", "--lengths"), (std::vector<int>{1000, 2000, 4000}));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseLengths("1k", "--lengths"));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseLengths(" , ", "--lengths"));
        QCOMPARE(parseDepths("0, 25, 100", DepthUnit::Percent), (std::vector<double>{0.0, 0.25, 1.0}));
        QCOMPARE(parseDepths("0, 1", DepthUnit::Percent), (std::vector<double>{0.0, 0.01}));
        QCOMPARE(parseDepths("0, 1"), (std::vector<double>{0.0, 1.0})); // the CLI's fractions
        QCOMPARE(parseShard("1/4"), std::make_pair(1, 4));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseShard("1-4"));
        QCOMPARE(parseScoringMode(scoringModeName(ScoringMode::LastPromptRow)), ScoringMode::LastPromptRow);
        QVERIFY_THROWS_EXCEPTION(UsageError, parseScoringMode("every-row"));
    }

    void promptOptionsFollowTheTokenizer()
    {
        const std::filesystem::path model = m_dir.filePath(QStringLiteral("tok")).toStdString();
        testing::writeByteTokenizerModel(model);
        ProbeRequest r = valid();
        r.chat = true;
        {
            const Tokenizer bos = Tokenizer::fromDirectory(model);
            QVERIFY(bos.addsBosByDefault());
            const PromptOptions o = promptOptionsFor(r, bos);
            QVERIFY(o.addBos);
            QCOMPARE(o.chat, std::optional(bos.defaultChatTemplate()));
            QCOMPARE(o.promptTemplate, r.promptTemplate);
        }
        writeTextFile(model / "tokenizer_config.json",
                      R"({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>", "add_bos_token": false})");
        const Tokenizer noBos = Tokenizer::fromDirectory(model);
        r.chat = false;
        const PromptOptions o = promptOptionsFor(r, noBos);
        QVERIFY(!o.addBos);
        QVERIFY(!o.chat);
        const PreparedProbe p = prepareProbe(r, noBos);
        QVERIFY(!p.prompt.addBos);
        QCOMPARE(p.request.haystack.describe(), std::string("synthetic seed=1"));
        QVERIFY(p.haystackText.size() >= kSyntheticHaystackChars);
    }
};

QTEST_GUILESS_MAIN(TestProbeRequest)
#include "tst_probe_request.moc"
