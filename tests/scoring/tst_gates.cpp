// Gate values (docs/algorithms.md decision (e)): Porter stemming as rouge_score applies it, ROUGE-1
// recall, and LongBench qa-F1, checked against hand-computed values.
#include "headscope/core/gates.h"

#include <QtTest/QtTest>

using namespace headscope;

class TestGates : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void porterStem_data()
    {
        QTest::addColumn<QString>("word");
        QTest::addColumn<QString>("stem");
        // Examples from Porter's paper, step by step.
        const char* pairs[][2] = {
            {"caresses", "caress"}, {"ponies", "poni"}, {"cats", "cat"}, {"feed", "feed"}, {"agreed", "agre"},
            {"plastered", "plaster"}, {"motoring", "motor"}, {"sing", "sing"}, {"conflated", "conflat"},
            {"troubled", "troubl"}, {"sized", "size"}, {"hopping", "hop"}, {"tanned", "tan"}, {"falling", "fall"},
            {"hissing", "hiss"}, {"fizzed", "fizz"}, {"failing", "fail"}, {"filing", "file"}, {"happy", "happi"},
            {"relational", "relat"}, {"conditional", "condit"}, {"rational", "ration"}, {"digitizer", "digit"},
            {"radicalli", "radic"}, {"differentli", "differ"}, {"vileli", "vile"}, {"analogousli", "analog"},
            {"vietnamization", "vietnam"}, {"predication", "predic"}, {"operator", "oper"}, {"feudalism", "feudal"},
            {"decisiveness", "decis"}, {"hopefulness", "hope"}, {"callousness", "callous"}, {"formaliti", "formal"},
            {"sensitiviti", "sensit"}, {"sensibiliti", "sensibl"}, {"triplicate", "triplic"}, {"formative", "form"},
            {"formalize", "formal"}, {"electriciti", "electr"}, {"electrical", "electr"}, {"hopeful", "hope"},
            {"goodness", "good"}, {"revival", "reviv"}, {"allowance", "allow"}, {"inference", "infer"},
            {"airliner", "airlin"}, {"gyroscopic", "gyroscop"}, {"adjustable", "adjust"}, {"defensible", "defens"},
            {"irritant", "irrit"}, {"replacement", "replac"}, {"adjustment", "adjust"}, {"dependent", "depend"},
            {"adoption", "adopt"}, {"communism", "commun"}, {"activate", "activ"}, {"angulariti", "angular"},
            {"homologous", "homolog"}, {"effective", "effect"}, {"bowdlerize", "bowdler"}, {"probate", "probat"},
            {"rate", "rate"}, {"cease", "ceas"}, {"controll", "control"}, {"roll", "roll"},
            {"generalizations", "gener"}, {"oscillators", "oscil"}, {"evening", "even"},
            // NLTK-mode departures that rouge_score inherits.
            {"ties", "tie"}, {"dying", "die"}, {"skies", "sky"}, {"sky", "sky"}, {"cried", "cri"}, {"used", "use"},
            {"enjoy", "enjoy"}, {"hopefulli", "hope"}, {"archaeologi", "archaeolog"}, {"in", "in"},
        };
        for (const auto& p : pairs)
            QTest::newRow(p[0]) << QString::fromLatin1(p[0]) << QString::fromLatin1(p[1]);
    }
    void porterStem()
    {
        QFETCH(QString, word);
        QFETCH(QString, stem);
        QCOMPARE(QString::fromStdString(headscope::porterStem(word.toStdString())), stem);
    }

    void rougeTokenizer()
    {
        const auto tokens = rougeTokenize("Walked, in Chaoyang-Park! It's 3pm.", true);
        const std::vector<std::string> expected = {"walk", "in", "chaoyang", "park", "it", "s", "3pm"};
        QCOMPARE(tokens, expected);
        // Tokens of 3 characters or fewer are never stemmed ("ies" rule would turn "ies" to "i").
        QCOMPARE(rougeTokenize("ies cats", true), (std::vector<std::string>{"ies", "cat"}));
        QCOMPARE(rougeTokenize("cats", false), (std::vector<std::string>{"cats"}));
    }

    void rouge1RecallHandComputed()
    {
        const char* needle = "take a walk in Chaoyang Park and have a cup of Espresso in the evening";
        const char* response = "The best thing to do in Beijing is to take a walk in Chaoyang Park.";
        // 15 reference tokens; clipped overlap: take, a, walk, in×2, chaoyang, park, the = 8.
        QVERIFY(qAbs(rouge1Recall(needle, response) - 800.0 / 15.0) < 1e-9);
        QCOMPARE(rouge1Recall(needle, needle), 100.0);
        QCOMPARE(rouge1Recall("walking quickly", "He walked quickly"), 100.0); // stemming joins the forms
        QCOMPARE(rouge1Recall("", "anything"), 0.0);
        // F-measure: P = 8/15 (15 response tokens), R = 8/15.
        const double p = 8.0 / 15.0, r = 8.0 / 15.0;
        QVERIFY(qAbs(rouge1F(needle, response) - 100.0 * 2 * p * r / (p + r)) < 1e-9);
    }

    void qaF1HandComputed()
    {
        QCOMPARE(normalizeAnswer("  The Answer, is: an APPLE!  "), std::string("answer is apple"));
        QVERIFY(qAbs(qaF1Score("The answer is Paris, France.", "Paris") - 40.0) < 1e-9); // P 1/4, R 1
        QVERIFY(qAbs(qaF1Score("An apple a day", "apple day keeps") - 80.0) < 1e-9);      // P 1, R 2/3
        QVERIFY(qAbs(qaF1Score("cat cat cat", "cat dog") - 40.0) < 1e-9);               // Counter clipping
        QCOMPARE(qaF1Score("nothing shared", "other words"), 0.0);
        QCOMPARE(qaF1Score("", "x"), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestGates)
#include "tst_gates.moc"
