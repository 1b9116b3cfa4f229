// make-tasks' generators: every kind's answers can be found in its context (the asked fact is
// there once, distractor keys differ, the variable chain leads from the value to every answer,
// the common words are strictly the most frequent), prompts fit the requested token length of
// the tokenizer they were measured with, the output is deterministic for a seed, and the JSONL
// reads back as RULER examples.
#include "headscope/core/errors.h"
#include "headscope/core/eval_data.h"
#include "headscope/core/task_generator.h"

#include <QtTest/QtTest>

#include <map>
#include <regex>
#include <set>

using namespace headscope;

namespace {

const Tokenizer& demoTokenizer()
{
    static const Tokenizer tok = Tokenizer::fromDirectory(std::string(HEADSCOPE_SOURCE_DIR) + "/resources/demo_model");
    return tok;
}

int occurrences(const std::string& text, const std::string& part)
{
    int n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

} // namespace

class TestTaskGenerator : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void promptsFitTheirLength()
    {
        const Tokenizer& tok = demoTokenizer();
        for (TaskKind kind : allTaskKinds())
            for (const GeneratedTask& t : generateTasks(tok, kind, {384, 1024}, 3, 11)) {
                const auto n = static_cast<int64_t>(tok.encode(t.input + t.answerPrefix, tok.addsBosByDefault()).size());
                QCOMPARE(t.length, n + t.maxNewTokens);
                QVERIFY2(t.length <= t.maxLength, t.task.c_str());
                QVERIFY2(t.length >= t.maxLength - 40, (t.task + " " + std::to_string(t.length)).c_str()); // a sentence short at most
                QCOMPARE(t.answerPrefix, std::string("Answer:"));
                QVERIFY(t.input.ends_with("?\n"));
                QCOMPARE(t.task, std::string(taskRulerName(kind)));
            }
    }

    void needleAnswersAreInTheContext()
    {
        TaskOptions o;
        o.keys = 5;
        const auto single = generateTasks(demoTokenizer(), TaskKind::SingleNeedle, {512}, 5, 3, o);
        const auto multikey = generateTasks(demoTokenizer(), TaskKind::MultiKey, {512}, 5, 3, o);
        const std::regex fact("The secret code of (\\w+) is (\\d+)\\.");
        for (const auto* set : {&single, &multikey})
            for (const GeneratedTask& t : *set) {
                QCOMPARE(t.outputs.size(), std::size_t(1));
                std::map<std::string, std::string> facts;
                for (auto it = std::sregex_iterator(t.input.begin(), t.input.end(), fact); it != std::sregex_iterator(); ++it) {
                    QVERIFY2(!facts.count((*it)[1]), "a key appears in two facts");
                    facts[(*it)[1]] = (*it)[2];
                }
                QCOMPARE(facts.size(), std::size_t(set == &single ? 1 : 5));
                std::smatch asked;
                QVERIFY(std::regex_search(t.input, asked, std::regex("What is the secret code of (\\w+)\\?")));
                QVERIFY(facts.count(asked[1]));
                QCOMPARE(facts[asked[1]], t.outputs.front());
                QCOMPARE(occurrences(t.input, t.outputs.front()), 1);
            }
        for (const GeneratedTask& t : generateTasks(demoTokenizer(), TaskKind::MultiValue, {512}, 3, 3)) {
            std::smatch key;
            QVERIFY(std::regex_search(t.input, key, std::regex("secret codes of (\\w+)\\?")));
            QCOMPARE(t.outputs.size(), std::size_t(4));
            for (const std::string& v : t.outputs)
                QVERIFY(t.input.find("The secret code of " + key[1].str() + " is " + v + ".") != std::string::npos);
        }
        for (const GeneratedTask& t : generateTasks(demoTokenizer(), TaskKind::MultiQuery, {512}, 3, 3)) {
            QCOMPARE(t.outputs.size(), std::size_t(3));
            for (const std::string& v : t.outputs) {
                std::smatch m;
                QVERIFY(std::regex_search(t.input, m, std::regex("The secret code of (\\w+) is " + v + "\\.")));
                QVERIFY(t.input.find(m[1].str(), t.input.find("What are the secret codes of")) != std::string::npos);
            }
        }
    }

    void variableChainsLeadToEveryAnswer()
    {
        TaskOptions o;
        o.hops = 5;
        o.chains = 3;
        for (const GeneratedTask& t : generateTasks(demoTokenizer(), TaskKind::VariableTracking, {1024}, 4, 5, o)) {
            std::smatch q;
            QVERIFY(std::regex_search(t.input, q, std::regex("Which names have the value (\\d+)\\?")));
            // Follow the assignments in text order: a name holds the value when it is assigned the
            // value or a name that already holds it.
            std::set<std::string> holds;
            const std::regex let("Let ([A-Z]{5}) be ([A-Z]{5}|\\d+)\\.");
            int statements = 0;
            for (auto it = std::sregex_iterator(t.input.begin(), t.input.end(), let); it != std::sregex_iterator(); ++it) {
                ++statements;
                if ((*it)[2] == q[1].str() || holds.count((*it)[2]))
                    holds.insert((*it)[1]);
            }
            QCOMPARE(statements, 15);
            QVERIFY(holds == std::set<std::string>(t.outputs.begin(), t.outputs.end()));
            QCOMPARE(t.outputs.size(), std::size_t(5));
        }
    }

    void commonWordsAreStrictlyMostFrequent()
    {
        for (const GeneratedTask& t : generateTasks(demoTokenizer(), TaskKind::CommonWords, {512, 2048}, 2, 9)) {
            std::map<std::string, int> counts;
            const std::regex entry("\\n\\d+\\. ([a-z]+)");
            for (auto it = std::sregex_iterator(t.input.begin(), t.input.end(), entry); it != std::sregex_iterator(); ++it)
                ++counts[(*it)[1]];
            QCOMPARE(t.outputs.size(), std::size_t(10));
            int weakestCommon = 1 << 30, strongestOther = 0;
            for (const auto& [word, n] : counts) {
                const bool asked = std::find(t.outputs.begin(), t.outputs.end(), word) != t.outputs.end();
                (asked ? weakestCommon : strongestOther) =
                    asked ? std::min(weakestCommon, n) : std::max(strongestOther, n);
            }
            for (const std::string& w : t.outputs)
                QVERIFY(counts.count(w));
            QVERIFY2(weakestCommon > strongestOther, std::to_string(weakestCommon).c_str());
        }
    }

    void deterministicAndReadBack()
    {
        const auto a = generateTasks(demoTokenizer(), TaskKind::MultiKey, {512}, 2, 42);
        const auto b = generateTasks(demoTokenizer(), TaskKind::MultiKey, {512}, 2, 42);
        const auto c = generateTasks(demoTokenizer(), TaskKind::MultiKey, {512}, 2, 43);
        QCOMPARE(tasksToJsonl(a), tasksToJsonl(b));
        QVERIFY(tasksToJsonl(a) != tasksToJsonl(c));
        QVERIFY(a[0].input != a[1].input);
        const auto back = parseEvalJsonl(tasksToJsonl(a), "tasks.jsonl");
        QCOMPARE(back.size(), std::size_t(2));
        QCOMPARE(back[1].format, EvalFormat::Ruler);
        QCOMPARE(back[1].dataset, std::string("niah_multikey"));
        QCOMPARE(back[1].answers, a[1].outputs);
        QCOMPARE(*back[1].maxLength, int64_t(512));
        QCOMPARE(*back[1].maxNewTokens, taskMaxNewTokens(TaskKind::MultiKey));
        QCOMPARE(back[1].input + back[1].answerPrefix, a[1].input + a[1].answerPrefix);
    }

    void refusals()
    {
        QVERIFY_THROWS_EXCEPTION(UsageError, generateTasks(demoTokenizer(), TaskKind::MultiKey, {60}, 1, 1));
        QVERIFY_THROWS_EXCEPTION(UsageError, parseTaskKind("haystack"));
        QCOMPARE(parseTaskKind("vt"), TaskKind::VariableTracking);
        QCOMPARE(parseTaskKind("multikey"), TaskKind::MultiKey);
    }
};

QTEST_GUILESS_MAIN(TestTaskGenerator)
#include "tst_task_generator.moc"
