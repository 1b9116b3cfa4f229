// The chat-template Jinja subset where Python's Jinja2 (what transformers runs) and
// @huggingface/jinja (the parity reference) disagree — HeadScope follows Python — plus the
// refusals: unimplemented statements, filters, tests and functions are named at parse time.
// Everything else is checked against the reference in tst_tokenizer_parity.
#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

#include <QTest>

using headscope::renderChatTemplate;

namespace {
std::string render(const char* tmpl, const char* vars = "{}")
{
    return renderChatTemplate(tmpl, vars);
}
} // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pythonSemantics_data()
    {
        QTest::addColumn<QString>("tmpl");
        QTest::addColumn<QString>("vars");
        QTest::addColumn<QString>("expected");
        QTest::newRow("print None and booleans") << "{{ none }}|{{ true }}|{{ x }}" << "{\"x\": false}" << "None|True|False";
        QTest::newRow("print a list and a dict") << "{{ [1, 'a', none] }} {{ d }}" << "{\"d\": {\"k\": \"v\"}}" << "[1, 'a', None] {'k': 'v'}";
        QTest::newRow("undefined prints nothing") << "[{{ missing }}]" << "{}" << "[]";
        QTest::newRow("modulo of negatives") << "{{ -7 % 3 }} {{ 7 % -3 }} {{ -7 // 2 }}" << "{}" << "2 -2 -4";
        QTest::newRow("string comparison") << "{{ 'T' if 'b' > 'a' and 'a' >= 'a' else 'F' }}" << "{}" << "T";
        QTest::newRow("iterate a string") << "{% for c in 'h\u00e9!' %}[{{ c }}]{% endfor %}" << "{}" << "[h][\u00e9][!]";
        QTest::newRow("divisibleby") << "{{ 'T' if 9 is divisibleby 3 else 'F' }}{{ 'T' if 9 is divisibleby(4) else 'F' }}" << "{}" << "TF";
        QTest::newRow("strip with chars") << "{{ 'xxhixx'.strip('x') }}|{{ '--a-'.lstrip('-') }}|{{ 'a..'.rstrip('.') }}" << "{}" << "hi|a-|a";
        QTest::newRow("reverse a string") << "{{ 'abc' | reverse }}" << "{}" << "cba";
        QTest::newRow("sum min max") << "{{ xs | sum }} {{ xs | min }} {{ xs | max }} {{ xs | sum(start=10) }}" << "{\"xs\": [3, 1, 2]}" << "6 1 3 16";
        QTest::newRow("floats as Python prints them") << "{{ 1e3 }} {{ 1e16 }} {{ 0.00001 }} {{ 1.0 }} {{ 2 / 1 }}" << "{}" << "1000.0 1e+16 1e-05 1.0 2.0";
        QTest::newRow("python whitespace for trim") << "[{{ '\u001f x \u00a0' | trim }}]" << "{}" << "[x]";
        QTest::newRow("title filter and method") << "{{ \"they're bill's (x)\" | title }}|{{ \"they're\".title() }}" << "{}"
                                                 << "They're Bill's (X)|They'Re";
        QTest::newRow("adjacent string literals") << "{{ 'a' 'b' }}" << "{}" << "ab";
        QTest::newRow("loop.previtem") << "{% for x in [1, 2] %}{{ loop.previtem is defined }}{% endfor %}" << "{}" << "FalseTrue";
        QTest::newRow("set tuple") << "{% set a, b = [1, 2] %}{{ b }}{{ a }}" << "{}" << "21";
        QTest::newRow("generation block") << "{% generation %}kept{% endgeneration %}" << "{}" << "kept";
        // transformers defines strftime_now (Llama-3.2's template tests for it and prints today's date).
        QTest::newRow("globals are defined") << "{{ 'T' if strftime_now is defined else 'F' }}{{ 'T' if namespace is defined else 'F' }}"
                                                "{{ 'T' if nope is defined else 'F' }}{{ strftime_now('%%') }}"
                                             << "{}" << "TTF%";
        QTest::newRow("plus keeps newline") << "{% if true +%}\nx{% endif %}" << "{}" << "\nx";
    }
    void pythonSemantics()
    {
        QFETCH(QString, tmpl);
        QFETCH(QString, vars);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(renderChatTemplate(tmpl.toStdString(), vars.toStdString())), expected);
    }

    void refusedByName_data()
    {
        QTest::addColumn<QString>("tmpl");
        QTest::addColumn<QString>("name");
        QTest::newRow("filter block") << "{% filter upper %}x{% endfilter %}" << "filter";
        QTest::newRow("include") << "{% include 'x.jinja' %}" << "include";
        QTest::newRow("unknown filter") << "{{ x | wordwrap }}" << "wordwrap";
        QTest::newRow("unknown test") << "{{ x is escaped }}" << "escaped";
        QTest::newRow("unknown function") << "{{ lipsum() }}" << "lipsum";
        QTest::newRow("unknown method") << "{{ 'a'.zfill(3) }}" << "zfill";
        QTest::newRow("block set") << "{% set x %}y{% endset %}" << "block assignments";
        QTest::newRow("unclosed if") << "{% if x %}a" << "endif";
        QTest::newRow("unclosed tag") << "{{ x " << "unclosed";
        QTest::newRow("bad token") << "{{ x @ y }}" << "@";
        QTest::newRow("attribute of undefined") << "{{ missing.role }}" << "undefined";
        QTest::newRow("add str and int") << "{{ 'a' + 1 }}" << "str and int";
    }
    void refusedByName()
    {
        QFETCH(QString, tmpl);
        QFETCH(QString, name);
        try {
            render(tmpl.toUtf8().constData());
            QFAIL("rendered");
        } catch (const headscope::FormatError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(name), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("line ")), e.what());
        }
    }

    void raiseException()
    {
        try {
            render("{{ raise_exception('roles must alternate') }}");
            QFAIL("rendered");
        } catch (const headscope::UsageError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("roles must alternate")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(headscope::UsageError, renderChatTemplate("x", "[1]"));
    }

    // A chat template arrives with a downloaded checkpoint: each of these once overflowed the
    // stack, hung, exhausted memory, hit undefined behaviour or escaped as a non-HeadScope
    // exception (found by fuzzing, tests/fuzz/fuzz_chat_template.cpp). Each is now a FormatError
    // naming the limit (docs/input_limits.md).
    void limits_data()
    {
        QTest::addColumn<QString>("tmpl");
        QTest::addColumn<QString>("message");
        const QString deep = QStringLiteral("(").repeated(5000) + QStringLiteral("1") + QStringLiteral(")").repeated(5000);
        QTest::newRow("nested parentheses") << QStringLiteral("{{ ") + deep + QStringLiteral(" }}") << "nested deeper than 100";
        QTest::newRow("nested not") << QStringLiteral("{{ ") + QStringLiteral("not ").repeated(5000) + QStringLiteral("1 }}") << "nested deeper than 100";
        QTest::newRow("nested minus") << QStringLiteral("{{ ") + QStringLiteral("-").repeated(5000) + QStringLiteral("1 }}") << "nested deeper than 100";
        QTest::newRow("nested lists") << QStringLiteral("{{ ") + QStringLiteral("[").repeated(5000) + QStringLiteral("]").repeated(5000) + QStringLiteral(" }}")
                                      << "nested deeper than 100";
        QTest::newRow("nested blocks") << QStringLiteral("{% if true %}").repeated(3000) + QStringLiteral("{% endif %}").repeated(3000)
                                       << "blocks nested deeper than 100";
        QTest::newRow("integer literal beyond 64 bits") << "{{ 99999999999999999999 }}" << "does not fit in 64 bits";
        QTest::newRow("attribute index beyond 64 bits") << "{{ x.99999999999999999999 }}" << "does not fit in 64 bits";
        QTest::newRow("addition overflow") << "{{ 9223372036854775807 + 1 }}" << "integer overflow";
        QTest::newRow("multiplication overflow") << "{{ 4611686018427387904 * 2 }}" << "integer overflow";
        QTest::newRow("power overflow, huge exponent") << "{{ 2 ** 1000000000000000 }}" << "integer overflow";
        QTest::newRow("floor division overflow") << "{{ (-9223372036854775807 - 1) // -1 }}" << "integer overflow";
        QTest::newRow("negation overflow") << "{{ -(-9223372036854775807 - 1) }}" << "integer overflow";
        QTest::newRow("abs overflow") << "{{ (-9223372036854775807 - 1) | abs }}" << "integer overflow";
        QTest::newRow("sum overflow") << "{{ [9223372036854775807, 1] | sum }}" << "integer overflow";
        QTest::newRow("int of a huge float") << "{{ 1e300 | int }}" << "64-bit integer range";
        QTest::newRow("string repeated 10^12 times") << "{{ 'ab' * 1000000000000 }}" << "beyond the limit";
        QTest::newRow("list repeated 10^12 times") << "{{ [1, 2] * 1000000000000 }}" << "beyond the limit";
        QTest::newRow("list of big strings repeated") << "{{ (['a' * 1000000] * 1000) | join('') }}" << "bytes of strings";
        QTest::newRow("string iterated as 2^21 characters") << "{{ ('a' * 2097152) | join('-') | length }}" << "characters is beyond the limit";
        QTest::newRow("range of 10^12") << "{% for i in range(1000000000000) %}{% endfor %}" << "range() of";
        QTest::newRow("range across int64") << "{{ range(-9223372036854775807, 9223372036854775807, 3) | length }}" << "range() of";
        QTest::newRow("nested loops of 10^10 rounds") << "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
                                                  << "evaluation steps";
        QTest::newRow("macro recursion") << "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}" << "nested deeper than 50";
        QTest::newRow("list doubling in a loop")
            << "{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}" << "evaluation steps";
        QTest::newRow("list deepening in a loop")
            << "{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}" << "nested deeper than 256";
        QTest::newRow("string doubling in a loop")
            << "{% set ns = namespace(s='ab') %}{% for i in range(80) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}" << "beyond the limit";
        QTest::newRow("indent of 10^12") << "{{ 'a\nb' | indent(1000000000000) }}" << "indent width";
        QTest::newRow("tojson indent of 10^12") << "{{ [[1]] | tojson(indent=1000000000000) }}" << "tojson indent";
        QTest::newRow("replace multiplying a string") << "{{ ('a' * 1000000) | replace('a', 'a' * 1000) }}" << "replace's result";
    }
    void limits()
    {
        QFETCH(QString, tmpl);
        QFETCH(QString, message);
        try {
            render(tmpl.toUtf8().constData());
            QFAIL("rendered");
        } catch (const headscope::FormatError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }

    // Where Python's answer fits in 64 bits, the edge cases above give it.
    void integerEdgesAsPython()
    {
        QCOMPARE(render("{{ (-9223372036854775807 - 1) % 3 }}|{{ (-9223372036854775807 - 1) % -1 }}"), std::string("1|0"));
        QCOMPARE(render("{{ 'T' if (-9223372036854775807 - 1) is divisibleby(-1) else 'F' }}"), std::string("T"));
        QCOMPARE(render("{{ 1 ** 1000000000000000 }}|{{ (-1) ** 1000000000000001 }}|{{ 3 ** 39 }}"),
                 std::string("1|-1|4052555153018976267"));
        QCOMPARE(render("{{ 1e400 }}|{{ 1e-400 }}"), std::string("inf|0.0"));
        QCOMPARE(render("{{ [1, 2] | tojson(separators=[1, 2]) }}"), std::string("[1, 2]")); // non-string separators: defaults
    }

    // Repeating nothing gives nothing at once, as in Python, however large the count (it was a
    // loop of `count` rounds: 2^62 of them never ends; found by fuzzing).
    void emptyRepetitionIsImmediate()
    {
        QCOMPARE(render("[{{ '' * 4611686018427387904 }}]|{{ ([] * 4611686018427387904) | length }}|[{{ 'ab' * 0 }}]|"
                        "{{ ([1] * -3) | length }}|{{ 'ab' * 2 }}"),
                 std::string("[]|0|[]|0|abab"));
    }

    void templateNames()
    {
        for (auto t : {headscope::ChatTemplate::Plain, headscope::ChatTemplate::Llama3, headscope::ChatTemplate::Mistral,
                       headscope::ChatTemplate::ChatML, headscope::ChatTemplate::Gemma, headscope::ChatTemplate::Phi3,
                       headscope::ChatTemplate::Qwen3, headscope::ChatTemplate::Checkpoint})
            QCOMPARE(headscope::chatTemplateFromName(headscope::chatTemplateName(t)).value(), t);
        QVERIFY(!headscope::chatTemplateFromName("nope"));
    }
};

QTEST_GUILESS_MAIN(TestChatTemplate)
#include "tst_chat_template.moc"
