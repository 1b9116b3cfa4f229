// Parser of the chat-template Jinja subset: expressions with Jinja2's operator precedence,
// statements into a tree. Filters, tests and statements it does not implement are refused here,
// by name, so a template is checked before anything is rendered.
#include "jinja_ast.h"
#include "jinja_builtins.h" // limits
#include "jinja_lexer.h"

#include "headscope/core/errors.h"

#include <charconv>
#include <cstdlib>
#include <set>

namespace headscope::jinja {

namespace {

// ---- Expression parser --------------------------------------------------------------------

const std::set<std::string>& knownFilters()
{
    static const std::set<std::string> f = {"trim", "length", "count", "tojson", "string", "upper", "lower", "title",
                                            "capitalize", "first", "last", "join", "default", "d", "list", "items",
                                            "replace", "int", "float", "abs", "safe", "selectattr", "rejectattr", "map",
                                            "reverse", "unique", "sort", "select", "reject", "indent", "sum", "min",
                                            "max"};
    return f;
}

const std::set<std::string>& knownTests()
{
    static const std::set<std::string> t = {"defined", "undefined", "none", "string", "number", "integer", "float",
                                            "boolean", "true", "false", "mapping", "iterable", "sequence", "odd",
                                            "even", "divisibleby", "equalto", "eq", "==", "ne", "!=", "lt", "<", "gt",
                                            ">", "le", "<=", "ge", ">=", "in", "sameas", "lower", "upper", "callable"};
    return t;
}

class ExprParser {
public:
    ExprParser(std::vector<Tok> toks, int line) : m_toks(std::move(toks)), m_line(line) {}

    ExprPtr parseExpression()
    {
        const DepthGuard guard(*this);
        return parseCond();
    }
    bool atEnd() const { return peek().kind == Tok::End; }
    const Tok& peek(std::size_t k = 0) const { return m_toks[std::min(m_pos + k, m_toks.size() - 1)]; }
    bool isOp(const char* op, std::size_t k = 0) const { return peek(k).kind == Tok::Op && peek(k).text == op; }
    bool isName(const char* n, std::size_t k = 0) const { return peek(k).kind == Tok::Name && peek(k).text == n; }
    Tok next() { return m_toks[std::min(m_pos++, m_toks.size() - 1)]; }
    void expectOp(const char* op)
    {
        if (!isOp(op))
            fail(std::string("expected '") + op + "', got '" + peek().text + "'");
        ++m_pos;
    }
    std::string expectName()
    {
        if (peek().kind != Tok::Name)
            fail("expected a name, got '" + peek().text + "'");
        return next().text;
    }
    [[noreturn]] void fail(const std::string& what) const { syntaxError(m_line, what); }
    int line() const { return m_line; }

    // Parsing recurses once per nesting level ("((((", "not not", "- -"); deeper than
    // limits::kMaxNesting is refused before it can overflow the stack.
    struct DepthGuard {
        explicit DepthGuard(ExprParser& p) : parser(p)
        {
            if (++parser.m_depth > limits::kMaxNesting)
                parser.fail("expression nested deeper than " + std::to_string(limits::kMaxNesting) +
                            " levels (docs/input_limits.md)");
        }
        ~DepthGuard() { --parser.m_depth; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;
        ExprParser& parser;
    };

    // Integer and float literals as Python reads them; an integer beyond 64 bits is refused
    // (Python's are unbounded), a float beyond double range is inf as in Python.
    int64_t intLiteral(const std::string& text) const
    {
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size())
            fail("integer literal " + text.substr(0, 40) + " does not fit in 64 bits");
        return v;
    }
    static double floatLiteral(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

    ExprPtr make(Expr::Kind k)
    {
        auto e = std::make_unique<Expr>();
        e->kind = k;
        e->line = m_line;
        return e;
    }

    ExprPtr parseCond()
    {
        ExprPtr e = parseOr();
        while (isName("if")) {
            ++m_pos;
            auto c = make(Expr::Cond);
            ExprPtr cond = parseOr();
            ExprPtr other;
            if (isName("else")) {
                ++m_pos;
                other = parseCond();
            }
            c->args.push_back(std::move(e));
            c->args.push_back(std::move(cond));
            c->args.push_back(std::move(other));
            e = std::move(c);
        }
        return e;
    }

    ExprPtr binary(const std::string& op, ExprPtr l, ExprPtr r)
    {
        auto b = make(Expr::Binary);
        b->name = op;
        b->args.push_back(std::move(l));
        b->args.push_back(std::move(r));
        return b;
    }

    // A left-associative level: operands from `next`, joined by any of `ops` (operator
    // tokens, or keywords such as "and").
    ExprPtr leftAssoc(std::initializer_list<const char*> ops, ExprPtr (ExprParser::*nextLevel)())
    {
        ExprPtr e = (this->*nextLevel)();
        for (;;) {
            const char* hit = nullptr;
            for (const char* op : ops)
                if (isOp(op) || isName(op))
                    hit = op;
            if (!hit)
                return e;
            ++m_pos;
            e = binary(hit, std::move(e), (this->*nextLevel)());
        }
    }

    ExprPtr parseOr() { return leftAssoc({"or"}, &ExprParser::parseAnd); }
    ExprPtr parseAnd() { return leftAssoc({"and"}, &ExprParser::parseNot); }

    ExprPtr parseNot()
    {
        if (isName("not")) {
            ++m_pos;
            const DepthGuard guard(*this);
            auto n = make(Expr::Not);
            n->args.push_back(parseNot());
            return n;
        }
        return parseCompare();
    }

    ExprPtr parseCompare()
    {
        ExprPtr e = parseMath1();
        for (;;) {
            std::string op;
            if (atComparison()) {
                op = next().text;
            } else if (isName("in")) {
                ++m_pos;
                op = "in";
            } else if (isName("not") && isName("in", 1)) {
                m_pos += 2;
                op = "not in";
            } else {
                return e;
            }
            e = binary(op, std::move(e), parseMath1());
        }
    }

    ExprPtr parseMath1() { return leftAssoc({"+", "-"}, &ExprParser::parseConcat); }
    ExprPtr parseConcat() { return leftAssoc({"~"}, &ExprParser::parseMath2); }
    ExprPtr parseMath2() { return leftAssoc({"*", "/", "//", "%"}, &ExprParser::parseFactor); }
    ExprPtr parseFactor() { return leftAssoc({"**"}, &ExprParser::parseFiltered); }
    ExprPtr parseFiltered() { return parseUnary(true); }

    ExprPtr parseUnary(bool withFilter)
    {
        ExprPtr e;
        if (isOp("-") || isOp("+")) {
            const bool neg = next().text == "-";
            const DepthGuard guard(*this);
            ExprPtr operand = parseUnary(false);
            if (neg) {
                e = make(Expr::Neg);
                e->args.push_back(std::move(operand));
            } else {
                e = std::move(operand);
            }
        } else {
            e = parsePrimary();
        }
        e = parsePostfix(std::move(e));
        if (withFilter)
            e = parseFilters(std::move(e));
        return e;
    }

    void parseCallArgs(Expr& call)
    {
        expectOp("(");
        while (!isOp(")")) {
            if (peek().kind == Tok::Name && isOp("=", 1)) {
                std::string key = next().text;
                ++m_pos;
                call.kwargs.emplace_back(std::move(key), parseExpression());
            } else {
                call.args.push_back(parseExpression());
            }
            if (!isOp(","))
                break;
            ++m_pos;
        }
        expectOp(")");
    }

    ExprPtr parseCall(ExprPtr callee)
    {
        auto c = make(Expr::Call);
        c->args.push_back(std::move(callee));
        parseCallArgs(*c);
        return c;
    }

    bool atComparison() const
    {
        const Tok& t = peek();
        return t.kind == Tok::Op && (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=");
    }

    ExprPtr parsePostfix(ExprPtr e)
    {
        for (;;) {
            if (isOp(".")) {
                ++m_pos;
                auto a = make(Expr::Attr);
                if (peek().kind == Tok::Int) { // x.0 means x[0]
                    a->kind = Expr::Item;
                    a->args.push_back(std::move(e));
                    auto idx = make(Expr::Literal);
                    idx->literal = intLiteral(next().text);
                    a->args.push_back(std::move(idx));
                } else {
                    a->name = expectName();
                    a->args.push_back(std::move(e));
                }
                e = std::move(a);
            } else if (isOp("[")) {
                ++m_pos;
                ExprPtr first, second, third;
                bool slice = false;
                if (!isOp(":"))
                    first = parseExpression();
                if (isOp(":")) {
                    slice = true;
                    ++m_pos;
                    if (!isOp(":") && !isOp("]"))
                        second = parseExpression();
                    if (isOp(":")) {
                        ++m_pos;
                        if (!isOp("]"))
                            third = parseExpression();
                    }
                }
                expectOp("]");
                auto s = make(slice ? Expr::Slice : Expr::Item);
                s->args.push_back(std::move(e));
                s->args.push_back(std::move(first));
                if (slice) {
                    s->args.push_back(std::move(second));
                    s->args.push_back(std::move(third));
                }
                e = std::move(s);
            } else if (isOp("(")) {
                e = parseCall(std::move(e));
            } else {
                return e;
            }
        }
    }

    ExprPtr parseFilters(ExprPtr e)
    {
        for (;;) {
            if (isOp("|")) {
                ++m_pos;
                auto f = make(Expr::Filter);
                f->name = expectName();
                if (!knownFilters().count(f->name))
                    fail("filter '" + f->name + "' is not implemented");
                f->args.push_back(std::move(e));
                if (isOp("("))
                    parseCallArgs(*f);
                e = std::move(f);
            } else if (isName("is")) {
                ++m_pos;
                auto t = make(Expr::Test);
                if (isName("not")) {
                    ++m_pos;
                    t->negated = true;
                }
                if (peek().kind == Tok::Name)
                    t->name = next().text;
                else if (atComparison())
                    t->name = next().text;
                else
                    fail("expected a test name after 'is'");
                if (!knownTests().count(t->name))
                    fail("test '" + t->name + "' is not implemented");
                t->args.push_back(std::move(e));
                if (isOp("(")) {
                    parseCallArgs(*t);
                } else if ((peek().kind == Tok::String || peek().kind == Tok::Int || peek().kind == Tok::Float ||
                            (peek().kind == Tok::Name && !isName("and") && !isName("or") && !isName("else") &&
                             !isName("if") && !isName("not") && !isName("in") && !isName("is")) ||
                            isOp("["))) {
                    t->args.push_back(parsePostfix(parsePrimary()));
                }
                e = std::move(t);
            } else if (isOp("(")) {
                e = parseCall(std::move(e));
            } else {
                return e;
            }
        }
    }

    ExprPtr parsePrimary()
    {
        const Tok t = next();
        auto lit = [&](Json v) {
            auto e = make(Expr::Literal);
            e->literal = std::move(v);
            return e;
        };
        switch (t.kind) {
        case Tok::String: {
            std::string s = t.text;
            while (peek().kind == Tok::String) // adjacent literals concatenate
                s += next().text;
            return lit(s);
        }
        case Tok::Int: return lit(intLiteral(t.text));
        case Tok::Float: return lit(floatLiteral(t.text));
        case Tok::Name:
            if (t.text == "true" || t.text == "True") return lit(true);
            if (t.text == "false" || t.text == "False") return lit(false);
            if (t.text == "none" || t.text == "None") return lit(nullptr);
            {
                auto e = make(Expr::Name);
                e->name = t.text;
                return e;
            }
        case Tok::Op:
            if (t.text == "(") {
                ExprPtr first = parseExpression();
                if (isOp(",")) { // a tuple: a list here
                    auto l = make(Expr::List);
                    l->args.push_back(std::move(first));
                    while (isOp(",")) {
                        ++m_pos;
                        if (isOp(")"))
                            break;
                        l->args.push_back(parseExpression());
                    }
                    first = std::move(l);
                }
                expectOp(")");
                return first;
            }
            if (t.text == "[") {
                auto l = make(Expr::List);
                while (!isOp("]")) {
                    l->args.push_back(parseExpression());
                    if (!isOp(","))
                        break;
                    ++m_pos;
                }
                expectOp("]");
                return l;
            }
            if (t.text == "{") {
                auto d = make(Expr::Dict);
                while (!isOp("}")) {
                    d->args.push_back(parseExpression());
                    expectOp(":");
                    d->args.push_back(parseExpression());
                    if (!isOp(","))
                        break;
                    ++m_pos;
                }
                expectOp("}");
                return d;
            }
            break;
        case Tok::End: fail("unexpected end of expression");
        }
        fail("unexpected '" + t.text + "'");
    }

private:
    std::vector<Tok> m_toks;
    std::size_t m_pos = 0;
    int m_line;
    int m_depth = 0;
};

// ---- Statements -------------------------------------------------------------------------

class StmtParser {
public:
    explicit StmtParser(std::vector<Tag> tags) : m_tags(std::move(tags)) {}

    Body parseAll()
    {
        Body body = parseBody({});
        if (m_pos < m_tags.size())
            syntaxError(m_tags[m_pos].line, "unexpected '{% " + keyword(m_tags[m_pos]) + " %}'");
        return body;
    }

private:
    static std::string keyword(const Tag& t)
    {
        std::size_t i = 0;
        while (i < t.content.size() && isSpace(t.content[i]))
            ++i;
        std::size_t j = i;
        while (j < t.content.size() && (std::isalnum(static_cast<unsigned char>(t.content[j])) || t.content[j] == '_'))
            ++j;
        return t.content.substr(i, j - i);
    }

    // Parses nodes until a statement whose keyword is in `stops` (left unconsumed).
    Body parseBody(const std::set<std::string>& stops)
    {
        // Blocks nest by recursion, like expressions: bounded the same way.
        if (++m_depth > limits::kMaxNesting)
            syntaxError(m_pos < m_tags.size() ? m_tags[m_pos].line : 1,
                        "blocks nested deeper than " + std::to_string(limits::kMaxNesting) + " levels (docs/input_limits.md)");
        struct Leave {
            int& depth;
            ~Leave() { --depth; }
        } leave{m_depth};
        Body body;
        while (m_pos < m_tags.size()) {
            const Tag& t = m_tags[m_pos];
            if (t.kind == Tag::Text) {
                Node n;
                n.kind = Node::Text;
                n.line = t.line;
                n.text = t.content;
                body.push_back(std::move(n));
                ++m_pos;
                continue;
            }
            if (t.kind == Tag::Expr) {
                ExprParser p(lex(t.content, t.line), t.line);
                Node n;
                n.kind = Node::Output;
                n.line = t.line;
                n.expr = p.parseExpression();
                if (!p.atEnd())
                    p.fail("unexpected '" + p.peek().text + "' in {{ }}");
                body.push_back(std::move(n));
                ++m_pos;
                continue;
            }
            const std::string kw = keyword(t);
            if (stops.count(kw))
                return body;
            body.push_back(parseStatement(kw));
        }
        if (!stops.empty())
            syntaxError(m_tags.empty() ? 1 : m_tags.back().line, "missing '{% " + *stops.rbegin() + " %}'");
        return body;
    }

    void expectStatement(const std::string& kw)
    {
        if (m_pos >= m_tags.size() || m_tags[m_pos].kind != Tag::Stmt || keyword(m_tags[m_pos]) != kw)
            syntaxError(m_pos < m_tags.size() ? m_tags[m_pos].line : 0, "expected '{% " + kw + " %}'");
        ++m_pos;
    }

    Node parseStatement(const std::string& kw)
    {
        const Tag& t = m_tags[m_pos++];
        ExprParser p(lex(t.content, t.line), t.line);
        p.next(); // the keyword
        Node n;
        n.line = t.line;
        auto done = [&] {
            if (!p.atEnd())
                p.fail("unexpected '" + p.peek().text + "' in '{% " + kw + " %}'");
        };
        if (kw == "if") {
            n.kind = Node::If;
            ExprPtr cond = p.parseExpression();
            done();
            for (;;) {
                Body body = parseBody({"elif", "else", "endif"});
                n.branches.emplace_back(std::move(cond), std::move(body));
                const Tag& s = m_tags[m_pos++];
                const std::string k = keyword(s);
                if (k == "endif")
                    break;
                ExprParser q(lex(s.content, s.line), s.line);
                q.next();
                if (k == "elif") {
                    cond = q.parseExpression();
                } else {
                    cond = nullptr;
                }
                if (!q.atEnd())
                    q.fail("unexpected '" + q.peek().text + "' in '{% " + k + " %}'");
                if (k == "else") {
                    Body last = parseBody({"endif"});
                    n.branches.emplace_back(nullptr, std::move(last));
                    expectStatement("endif");
                    break;
                }
            }
        } else if (kw == "for") {
            n.kind = Node::For;
            n.targets.push_back(p.expectName());
            while (p.isOp(",")) {
                p.next();
                n.targets.push_back(p.expectName());
            }
            if (!p.isName("in"))
                p.fail("expected 'in' in '{% for %}'");
            p.next();
            n.expr = p.parseOr();
            if (p.isName("if")) {
                p.next();
                n.filter = p.parseOr();
            }
            if (p.isName("recursive"))
                p.fail("recursive loops are not implemented");
            done();
            n.body = parseBody({"else", "endfor"});
            if (keyword(m_tags[m_pos]) == "else") {
                ++m_pos;
                n.elseBody = parseBody({"endfor"});
            }
            expectStatement("endfor");
        } else if (kw == "set") {
            const std::string target = p.expectName();
            if (p.isOp(".")) {
                p.next();
                n.kind = Node::SetAttr;
                n.targets.push_back(target);
                n.text = p.expectName();
            } else {
                n.kind = Node::Set;
                n.targets.push_back(target);
                while (p.isOp(",")) {
                    p.next();
                    n.targets.push_back(p.expectName());
                }
            }
            if (!p.isOp("="))
                p.fail("block assignments ('{% set x %}...{% endset %}') are not implemented");
            p.next();
            n.expr = p.parseExpression();
            if (p.isOp(",")) { // set a = 1, 2
                auto list = p.make(Expr::List);
                list->args.push_back(std::move(n.expr));
                while (p.isOp(",")) {
                    p.next();
                    list->args.push_back(p.parseExpression());
                }
                n.expr = std::move(list);
            }
            done();
        } else if (kw == "macro") {
            n.kind = Node::Macro;
            auto m = std::make_shared<MacroDef>();
            m->name = p.expectName();
            p.expectOp("(");
            while (!p.isOp(")")) {
                std::string param = p.expectName();
                ExprPtr def;
                if (p.isOp("=")) {
                    p.next();
                    def = p.parseExpression();
                }
                m->params.emplace_back(std::move(param), std::move(def));
                if (!p.isOp(","))
                    break;
                p.next();
            }
            p.expectOp(")");
            done();
            m->body = parseBody({"endmacro"});
            expectStatement("endmacro");
            n.macro = std::move(m);
        } else if (kw == "break" || kw == "continue") {
            n.kind = kw == "break" ? Node::Break : Node::Continue;
            done();
        } else if (kw == "generation") {
            // transformers' {% generation %} marks assistant text for masks; it renders its body.
            done();
            n.kind = Node::If;
            auto yes = p.make(Expr::Literal);
            yes->literal = true;
            n.branches.emplace_back(std::move(yes), parseBody({"endgeneration"}));
            expectStatement("endgeneration");
        } else {
            p.fail("statement '{% " + kw + " %}' is not implemented");
        }
        return n;
    }

    std::vector<Tag> m_tags;
    std::size_t m_pos = 0;
    int m_depth = 0;
};

} // namespace

Template::Template(std::string_view source) : m_program(std::make_unique<Program>())
{
    m_program->body = StmtParser(splitTags(source)).parseAll();
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

} // namespace headscope::jinja
