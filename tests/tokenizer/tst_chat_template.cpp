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
