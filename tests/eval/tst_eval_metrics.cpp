// eval's answer metrics on hand-checked examples: LongBench's normalisation (Python's lower, ASCII
// punctuation, \b(a|an|the)\b with Unicode word characters, str.split), qa-F1, the rouge package's
// ROUGE-L with its word sets and sentence split on '.', classification with LongBench's
// list-mutation quirk, count/retrieval/code similarity, RULER's string match and cleanup, and the
// bootstrap interval.
#include "headscope/core/bootstrap_ci.h"
#include "headscope/core/errors.h"
#include "headscope/core/eval_metrics.h"
#include "headscope/core/gates.h"

#include <QtTest/QtTest>

#include <cmath>

using namespace headscope;

namespace {
bool near(double a, double b, double eps = 1e-9)
{
    return std::abs(a - b) < eps;
}
} // namespace

class TestEvalMetrics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void normalizationFollowsPython()
    {
        // lower → drop string.punctuation → articles → whitespace.
        QCOMPARE(normalizeAnswer("The Cat's  hat, an apple!"), std::string("cats hat apple"));
        // Punctuation goes first, so "a-b" becomes one word "ab", not an article.
        QCOMPARE(normalizeAnswer("a-b the"), std::string("ab"));
        // \b is Unicode-aware: "a" before "é" is inside a word; before "×" it is an article.
        QCOMPARE(normalizeAnswer("aé a×b"), std::string("aé ×b"));
        // Non-ASCII punctuation is not in string.punctuation: it stays, and bounds an article.
        QCOMPARE(normalizeAnswer("«The» end"), std::string("« » end"));
        // str.lower() is Unicode; str.split() splits on U+00A0 and U+3000.
        QCOMPARE(normalizeAnswer("ÀB\u00a0C\u3000D"), std::string("àb c d"));
        // An article glued to a following article is one word, not two ("thea").
        QCOMPARE(normalizeAnswer("thea the a"), std::string("thea"));
    }

    void qaF1()
    {
        // Hand computed: pred {paris, france} vs {paris}: P 1/2, R 1 → F1 2/3.
        QVERIFY(near(scoreExample(EvalMetric::QaF1, "Paris, France.", {"Paris"}), 200.0 / 3.0));
        // The maximum over the answers.
        QVERIFY(near(scoreExample(EvalMetric::QaF1, "the Eiffel tower", {"Louvre", "Eiffel Tower"}), 100.0));
        QCOMPARE(scoreExample(EvalMetric::QaF1, "anything", {}), 0.0);
    }

    void exactAndSubstring()
    {
        QCOMPARE(exactMatchScore("The Answer.", "answer"), 1.0);
        QCOMPARE(exactMatchScore("answer now", "answer"), 0.0);
        QCOMPARE(substringMatchScore("I think the answer is 42, yes", "42"), 1.0);
        QCOMPARE(substringMatchScore("4 2", "42"), 0.0);
        QCOMPARE(scoreExample(EvalMetric::Substring, "it was Marie Curie.", {"curie", "x"}), 100.0);
    }

    void rougeLUsesWordSetsAndSentences()
    {
        // One sentence each. Distinct words: ref {the, cat, sat, on, mat} (m = 5; "the" twice counts
        // once), hyp {the, cat, on, mat} (n = 4). LCS of [the cat sat on the mat] and
        // [the cat on the mat] is "the cat on the mat" → word set {the, cat, on, mat}, 4 words.
        // R = 4/5, P = 4/4, F = 2·0.8·1 / (1.8 + 1e-8).
        const double f = 2.0 * (0.8 * 1.0) / (1.8 + 1e-8);
        QVERIFY(near(rougeLScore("the cat on the mat", "the cat sat on the mat"), f));
        // Case matters and '.' splits sentences: "A b. c" vs "a b c".
        // hyp sentences [A b], [c] → words {A, b, c}; ref [a b c] → {a, b, c}.
        // LCS(ref, "A b") = {b}; LCS(ref, "c") = {c} → union 2. R = P = 2/3.
        const double g = 2.0 * ((2.0 / 3.0) * (2.0 / 3.0)) / (4.0 / 3.0 + 1e-8);
        QVERIFY(near(rougeLScore("A b. c", "a b c"), g));
        // Nothing but periods: no sentence, the package raises, LongBench scores 0.
        QCOMPARE(rougeLScore("...", "a b"), 0.0);
        QCOMPARE(rougeLScore("", "a b"), 0.0);
        // The walk back prefers "left" on ties: x=[a b], y=[b a] → table ties at (2,2); it
        // steps left to (2,1): x[1]=b == y[0]=b → {b}. One word of two: R = P = 1/2.
        QVERIFY(near(rougeLScore("b a", "a b"), 2.0 * 0.25 / (1.0 + 1e-8)));
        QVERIFY(near(scoreExample(EvalMetric::RougeL, "the cat on the mat", {"xyz", "the cat sat on the mat"}),
                     100.0 * f));
    }

    void classificationKeepsLongBenchQuirk()
    {
        const std::vector<std::string> classes = {"Location", "Description", "Entity", "Abbreviation"};
        QCOMPARE(classificationScore("Type: Location", "Location", classes), 1.0);
        // Two classes named: 1/2.
        QCOMPARE(classificationScore("Location or Entity", "Location", classes), 0.5);
        QCOMPARE(classificationScore("Entity", "Location", classes), 0.0);
        QCOMPARE(classificationScore("no class at all", "Location", classes), 0.0); // the difflib branch never runs
        // A class that is a strict substring of the ground truth is dropped, and the class after
        // it in the list is skipped by Python's iteration: with classes [ab, abc, b] and
        // ground truth "abc", prediction "ab abc b" matches [ab, abc, b]; "ab" is removed, the
        // iteration then looks at index 1 ("b", skipping "abc"): "b" ⊂ "abc" → removed too.
        // Left: [abc] → score 1. Without the skip it would also be 1; so check a case where the
        // skip matters: classes [ab, b, abc]: matches [ab, b, abc]; "ab" removed → [b, abc],
        // next index 1 is "abc" (== ground truth, kept); "b" was skipped and stays → 1/2.
        // (Both values checked against LongBench's classification_score.)
        QCOMPARE(classificationScore("ab b abc", "abc", {"ab", "abc", "b"}), 1.0);
        QCOMPARE(classificationScore("ab b abc", "abc", {"ab", "b", "abc"}), 0.5);
    }

    void countRetrievalCode()
    {
        QCOMPARE(countScore("There are 12 paragraphs", "12"), 1.0);
        QCOMPARE(countScore("12 or 13", "12"), 0.5);
        QCOMPARE(countScore("twelve", "12"), 0.0);
        QCOMPARE(retrievalScore("Paragraph 7", "Paragraph 7"), 1.0);
        QCOMPARE(retrievalScore("Paragraph 7, maybe 17", "Paragraph 7"), 0.5);
        QCOMPARE(retrievalScore("Paragraph 7", "no paragraph named"), 0.0);
        // fuzz.ratio: "kitten" vs "sitting": LCS "ittn" = 4 → 2·4/13 = 0.615 → 62.
        QCOMPARE(fuzzRatio("kitten", "sitting"), 62);
        QCOMPARE(fuzzRatio("", ""), 100);
        QCOMPARE(fuzzRatio("a", ""), 0);
        // Half to even: "ab" vs "ac": 2·1/4 = 0.5 → 50; "abcd" vs "abxy": 2·2/8 → 50.
        QCOMPARE(fuzzRatio("ab", "ac"), 50);
        // Comment and fence lines are skipped; the first plain line is compared.
        QVERIFY(near(codeSimScore("\n# comment\n```\nreturn x + 1\nmore", "return x + 1"), 1.0));
        QVERIFY(near(codeSimScore("// only comments", "x"), 0.0));
    }

    void rulerStringMatch()
    {
        const std::vector<std::string> refs = {"4719", "Thaloren"};
        QCOMPARE(stringMatchAll("the code of thaloren is 4719", refs), 1.0);
        QCOMPARE(stringMatchAll("the code is 4719", refs), 0.5);
        QCOMPARE(stringMatchPart("the code is 4719", refs), 1.0);
        QCOMPARE(stringMatchPart("nothing", refs), 0.0);
        QCOMPARE(scoreExample(EvalMetric::StringMatchAll, "4719", refs), 50.0);
        QCOMPARE(cleanPrediction("  a\tb\x01 ", PredictionCleanup::RulerStrip), std::string("a\nb"));
        QCOMPARE(cleanPrediction("\n\nfirst\nsecond", PredictionCleanup::FirstLine), std::string("first"));
        QCOMPARE(cleanPrediction("\n\n", PredictionCleanup::FirstLine), std::string());
    }

    void metricNames()
    {
        for (EvalMetric m : allEvalMetrics())
            QCOMPARE(parseEvalMetric(evalMetricName(m)), m);
        QVERIFY_THROWS_EXCEPTION(UsageError, parseEvalMetric("bleu"));
    }

    void bootstrapInterval()
    {
        const std::vector<double> v = {0, 100, 100, 0, 100, 100, 100, 0, 100, 100};
        const MeanInterval a = bootstrapMean(v, 7, 2000);
        QCOMPARE(a.mean, 70.0);
        QCOMPARE(a.n, 10);
        QVERIFY(a.low < 70.0 && a.high > 70.0);
        QVERIFY(a.low >= 30.0 && a.high <= 100.0);
        // Seeded: the same interval again, another seed another one.
        const MeanInterval b = bootstrapMean(v, 7, 2000);
        QCOMPARE(a.low, b.low);
        QCOMPARE(a.high, b.high);
        // A constant sample has a zero-width interval; one value too.
        const MeanInterval c = bootstrapMean(std::vector<double>(5, 40.0), 1);
        QCOMPARE(c.low, 40.0);
        QCOMPARE(c.high, 40.0);
        QCOMPARE(bootstrapMean(std::vector<double>{3.0}, 1).high, 3.0);
        // Paired: identical samples differ by exactly 0.
        const MeanInterval d = bootstrapMeanDifference(v, v, 3);
        QCOMPARE(d.low, 0.0);
        QCOMPARE(d.high, 0.0);
        QVERIFY_THROWS_EXCEPTION(UsageError, bootstrapMeanDifference(v, std::vector<double>{1.0}, 3));
    }
};

QTEST_GUILESS_MAIN(TestEvalMetrics)
#include "tst_eval_metrics.moc"
