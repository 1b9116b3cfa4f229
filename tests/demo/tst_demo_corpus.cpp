// The demo model's training documents: the probe's own prompt layout, the needle facts inside
// the context, and answer targets that are exactly the answer sentences.
#include "headscope/core/demo_corpus.h"

#include "headscope/core/tokenizer.h"

#include <QTemporaryDir>
#include <set>
#include <QTest>

using namespace headscope;

class TestDemoCorpus : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::optional<Tokenizer> m_tokenizer;

private Q_SLOTS:
    void initTestCase()
    {
        const std::string dir = m_dir.filePath(QStringLiteral("m")).toStdString();
        writeDemoTokenizer(dir);
        m_tokenizer.emplace(Tokenizer::fromDirectory(dir));
    }

    void demoTokenizerMakesWordsAndKeysSingleTokens()
    {
        const Tokenizer& t = *m_tokenizer;
        QVERIFY(t.vocabSize() < 4096); // small enough for a tiny model's embedding
        QCOMPARE(demoKeyNames().size(), std::size_t(576));
        for (const std::string& name : demoKeyNames()) {
            QCOMPARE(t.encode(" " + name).size(), std::size_t(1));
            QCOMPARE(t.encode(name).size(), std::size_t(1));
        }
        for (const char* key : {"Thaloren", "Kestrima", "Morvelin", "Braiodra", "Zelwyn"}) // the probe needles' keys
            QCOMPARE(t.encode(std::string(" ") + key).size(), std::size_t(1));
        // Every haystack and template word is one token: a prompt has as many tokens as pieces.
        const std::string haystack = syntheticHaystack(99, 20000);
        const std::vector<int32_t> ids = t.encode(haystack);
        std::size_t words = 0;
        for (std::size_t i = 0; i < haystack.size(); ++i)
            words += (i == 0 || haystack[i - 1] == ' ' || haystack[i] == '.' || haystack[i] == ',' || haystack[i] == '\n') &&
                     haystack[i] != ' ';
        QVERIFY2(ids.size() <= words + words / 50, (std::to_string(ids.size()) + " tokens for " + std::to_string(words) + " words").c_str());
        QCOMPARE(t.decode(ids), haystack);
        // A 4-digit value is a token per digit: " 4" "7" "1" "9".
        const std::vector<int32_t> value = t.encode(" 4719");
        QCOMPARE(value.size(), std::size_t(4));
        QCOMPARE(t.decode(std::vector<int32_t>{value[0]}), std::string(" 4"));
        for (std::size_t i = 1; i < 4; ++i)
            QCOMPARE(t.decode(std::vector<int32_t>{value[i]}), std::string(1, "4719"[i]));
        // Text outside the vocabulary still round-trips (bytes).
        const std::string other = "Quixotic zebras café 12345!";
        QCOMPARE(t.decode(t.encode(other)), other);
    }

    void valueTokensAreMarkedApartFromTheAnswer()
    {
        const std::string haystack = syntheticHaystack(5, 100000);
        std::mt19937_64 rng(11);
        for (int trial = 0; trial < 20; ++trial) {
            const TrainingExample ex = makeDemoExample(*m_tokenizer, haystack, rng, 300);
            std::vector<int32_t> values;
            for (std::size_t i = 0; i + 1 < ex.ids.size(); ++i)
                if (ex.answerTarget[i] == kValueToken)
                    values.push_back(ex.ids[i + 1]);
            // Four tokens per answered fact, and they decode to 4-digit numbers.
            QVERIFY(!values.empty());
            QCOMPARE(values.size() % 4, std::size_t(0));
            const std::string text = m_tokenizer->decode(values);
            for (std::size_t at = 0; at < text.size(); at += 5) {
                QCOMPARE(text[at], ' ');
                for (std::size_t k = 1; k <= 4; ++k)
                    QVERIFY2(std::isdigit(static_cast<unsigned char>(text[at + k])), text.c_str());
            }
        }
    }

    // The attention-supervision targets: every answer token of a needle document, and every
    // repeated word of a warm-up document, points at an earlier position holding that token.
    void copySourcesPointAtTheCopiedToken()
    {
        const std::string haystack = syntheticHaystack(5, 100000);
        std::mt19937_64 rng(13);
        std::size_t answerTokens = 0, withSource = 0;
        auto check = [&](const TrainingExample& ex, bool isRepeat) {
            QCOMPARE(ex.copySource.size(), ex.ids.size());
            for (std::size_t t = 0; t + 1 < ex.ids.size(); ++t) {
                const int32_t s = ex.copySource[t];
                if (s < 0)
                    continue;
                QVERIFY2(static_cast<std::size_t>(s) < t, "a copy source lies before the query");
                QCOMPARE(ex.ids[static_cast<std::size_t>(s)], ex.ids[t + 1]);
                QVERIFY(ex.answerTarget[t] != 0 && ex.answerTarget[t] != kNoLoss);
            }
            if (isRepeat)
                for (std::size_t t = 0; t + 1 < ex.ids.size(); ++t)
                    QCOMPARE(ex.copySource[t] >= 0, ex.answerTarget[t] == kAnswerToken);
        };
        for (int trial = 0; trial < 20; ++trial) {
            const TrainingExample ex = makeDemoExample(*m_tokenizer, haystack, rng, 400);
            check(ex, false);
            for (std::size_t t = 0; t + 1 < ex.ids.size(); ++t)
                if (ex.answerTarget[t] == kAnswerToken || ex.answerTarget[t] == kValueToken) {
                    ++answerTokens;
                    withSource += ex.copySource[t] >= 0;
                }
            check(makeRepeatExample(*m_tokenizer, rng, 60), true);
        }
        // All answer tokens but the closing newline are copied from the needle sentence.
        QVERIFY2(withSource * 10 >= answerTokens * 8,
                 qPrintable(QStringLiteral("%1 of %2 answer tokens have a source").arg(withSource).arg(answerTokens)));
    }

    void warmUpDocumentsRepeatRandomWords()
    {
        std::mt19937_64 rng(3);
        int repeats = 0, triplets = 0;
        std::set<std::size_t> repeatLengths;
        for (int trial = 0; trial < 40; ++trial) {
            const TrainingExample ex = makeRepeatExample(*m_tokenizer, rng, 40);
            QCOMPARE(ex.answerTarget.size(), ex.ids.size());
            QCOMPARE(ex.ids.front(), *m_tokenizer->bosId());
            for (std::size_t i = 1; i < ex.ids.size(); ++i)
                QVERIFY(ex.ids[i] >= 256 && ex.ids[i] < m_tokenizer->vocabSize() - 2); // words, no bytes or specials
            // Every token is either predictable from earlier ones (and marked) or carries no loss.
            std::size_t marked = 0;
            for (std::size_t i = 0; i + 1 < ex.ids.size(); ++i) {
                QVERIFY(ex.answerTarget[i] == kAnswerToken || ex.answerTarget[i] == kNoLoss);
                marked += ex.answerTarget[i] == kAnswerToken;
            }
            const bool triplet = ex.answerTarget[2] == kAnswerToken && ex.answerTarget[5] == kAnswerToken;
            if (triplet) { // BOS + 13 triplets "x y x"
                QCOMPARE(ex.ids.size(), std::size_t(40));
                QCOMPARE(marked, std::size_t(13));
                ++triplets;
                for (std::size_t i = 1; i + 2 < ex.ids.size(); i += 3) {
                    QCOMPARE(ex.ids[i + 2], ex.ids[i]);
                    QCOMPARE(ex.answerTarget[i + 1], kAnswerToken);
                }
                continue;
            }
            ++repeats; // BOS + prefix + h words + the same h words, the repeat marked
            const std::size_t h = marked;
            QVERIFY(h >= 2 && ex.ids.size() >= 1 + 2 * h && ex.ids.size() <= 41);
            const std::size_t start = ex.ids.size() - 2 * h;
            for (std::size_t i = 0; i < h; ++i) {
                QCOMPARE(ex.ids[start + h + i], ex.ids[start + i]);
                QCOMPARE(ex.answerTarget[start + h + i - 1], kAnswerToken);
            }
            repeatLengths.insert(h);
        }
        QVERIFY(triplets > 5);
        QVERIFY(repeats > 5);
        QVERIFY(repeatLengths.size() > 3); // the distance between the copies varies
    }

    void needlesAreFactsWithCheckableValues()
    {
        const auto a = demoNeedles(3, 20), b = demoNeedles(3, 20);
        QCOMPARE(a.size(), std::size_t(20));
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].needle, b[i].needle); // deterministic for the seed
            QCOMPARE(a[i].answer, a[i].needle);
            // real_needle is "KEY VALUE": both words occur in the fact.
            const auto space = a[i].realNeedle.find(' ');
            QVERIFY(space != std::string::npos);
            QVERIFY(a[i].needle.find(a[i].realNeedle.substr(0, space)) != std::string::npos);
            QVERIFY(a[i].needle.find(a[i].realNeedle.substr(space + 1)) != std::string::npos);
            QVERIFY(a[i].question.find(a[i].realNeedle.substr(0, space)) != std::string::npos);
        }
        QVERIFY(demoNeedles(4, 1).front().needle != a.front().needle);
    }

    void documentsFollowTheProbeLayout()
    {
        const std::string haystack = syntheticHaystack(2, 100000);
        std::mt19937_64 rng(9);
        for (int length : {160, 400, 900}) {
            const TrainingExample ex = makeDemoExample(*m_tokenizer, haystack, rng, length);
            QCOMPARE(ex.answerTarget.size(), ex.ids.size());
            const std::string text = m_tokenizer->decode(ex.ids, true);
            QVERIFY2(text.find("Based on the content in the book, answer the question: ") != std::string::npos, text.c_str());
            // The answer targets, read in order, are the answer sentences, each closed by a newline.
            std::vector<int32_t> answers;
            for (std::size_t i = 0; i + 1 < ex.ids.size(); ++i)
                if (ex.answerTarget[i])
                    answers.push_back(ex.ids[i + 1]);
            const std::string answerText = m_tokenizer->decode(answers);
            QVERIFY(!answerText.empty());
            QCOMPARE(answerText.back(), '\n');
            // Every answered fact is in the context before the first question.
            const std::string context = text.substr(0, text.find("Based on the content"));
            std::size_t start = 0;
            for (std::size_t nl; (nl = answerText.find('\n', start)) != std::string::npos; start = nl + 1) {
                const std::string sentence = answerText.substr(start + 1, nl - start - 1); // drop the leading space
                QVERIFY2(context.find(sentence) != std::string::npos, sentence.c_str());
            }
            QVERIFY(ex.ids.size() >= static_cast<std::size_t>(length) / 2);
        }
    }
};

QTEST_APPLESS_MAIN(TestDemoCorpus)
#include "tst_demo_corpus.moc"
