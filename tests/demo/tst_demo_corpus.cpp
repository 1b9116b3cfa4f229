// The demo model's training documents: the probe's own prompt layout, the needle facts inside
// the context, and answer targets that are exactly the answer sentences.
#include "headscope/core/checkpoint.h"
#include "headscope/core/demo_corpus.h"

#include <QTemporaryDir>
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
        TestModelSpec spec;
        spec.byteTokenizer = true;
        const std::string dir = m_dir.filePath(QStringLiteral("m")).toStdString();
        writeTestModel(spec, dir);
        m_tokenizer.emplace(Tokenizer::fromDirectory(dir));
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
