// Lexer and parser of the chat-template Jinja subset. Whitespace follows transformers'
// environment: "{%-"/"-%}" (and the same on {{ }} and {# #}) strip whitespace on that side;
// lstrip_blocks removes spaces and tabs before a block or comment tag that starts a line;
// trim_blocks removes the first newline after one. Operator precedence is Jinja2's.
#include "jinja_ast.h"

#include "headscope/core/errors.h"

#include <cstdlib>
#include <set>

namespace headscope::jinja {

namespace {

[[noreturn]] void syntaxError(int line, const std::string& what)
{
    throw FormatError("line " + std::to_string(line) + ": " + what);
}

// ---- Tags -------------------------------------------------------------------------------

struct Tag {
    enum Kind { Text, Expr, Stmt } kind;
    std::string content;
    int line;
};

int lineAt(std::string_view src, std::size_t pos)
{
    int line = 1;
    for (std::size_t i = 0; i < pos && i < src.size(); ++i)
        line += src[i] == '\n';
    return line;
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<Tag> splitTags(std::string_view src)
{
    std::vector<Tag> tags;
    std::size_t i = 0;
    bool stripNextLeading = false;
    while (i <= src.size()) {
        std::size_t j = src.find('{', i);
        while (j != std::string_view::npos && (j + 1 >= src.size() || (src[j + 1] != '{' && src[j + 1] != '%' && src[j + 1] != '#')))
            j = src.find('{', j + 1);
        std::string text(src.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
        if (stripNextLeading) {
            std::size_t k = 0;
            while (k < text.size() && isSpace(text[k]))
                ++k;
            text.erase(0, k);
            stripNextLeading = false;
        }
        if (j == std::string_view::npos) {
            if (!text.empty())
                tags.push_back({Tag::Text, text, lineAt(src, i)});
            break;
        }
        const char open = src[j + 1];
        const bool block = open == '%' || open == '#';
        std::size_t inner = j + 2;
        const char marker = inner < src.size() ? src[inner] : '\0';
        if (marker == '-') {
            while (!text.empty() && isSpace(text.back()))
                text.pop_back();
        } else if (block && marker != '+') {
            // lstrip_blocks: spaces and tabs between the start of the line and the tag.
            std::size_t k = j;
            while (k > 0 && (src[k - 1] == ' ' || src[k - 1] == '\t'))
                --k;
            if (k == 0 || src[k - 1] == '\n') {
                const std::size_t n = j - k;
                if (n <= text.size())
                    text.erase(text.size() - n);
            }
        }
        if (marker == '-' || marker == '+')
            ++inner;
        if (!text.empty())
            tags.push_back({Tag::Text, text, lineAt(src, i)});

        // The end of the tag; quotes are skipped inside {{ }} and {% %}.
        const char close = open == '{' ? '}' : open;
        std::size_t end = inner;
        char quote = 0;
        for (; end + 1 < src.size(); ++end) {
            const char c = src[end];
            if (open != '#') {
                if (quote) {
                    if (c == '\\')
                        ++end;
                    else if (c == quote)
                        quote = 0;
                    continue;
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                    continue;
                }
            }
            if (c == close && src[end + 1] == '}')
                break;
        }
        if (end + 1 >= src.size())
            syntaxError(lineAt(src, j), std::string("unclosed \"{") + open + "\"");
        std::size_t contentEnd = end;
        bool stripAfter = false, keepNewline = false;
        if (contentEnd > inner && (src[contentEnd - 1] == '-' || src[contentEnd - 1] == '+')) {
            stripAfter = src[contentEnd - 1] == '-';
            keepNewline = src[contentEnd - 1] == '+';
            --contentEnd;
        }
        if (open != '#')
            tags.push_back({open == '{' ? Tag::Expr : Tag::Stmt, std::string(src.substr(inner, contentEnd - inner)), lineAt(src, j)});
        i = end + 2;
        if (stripAfter)
            stripNextLeading = true;
        else if (block && !keepNewline && i < src.size() && src[i] == '\n') // trim_blocks
            ++i;
    }
    return tags;
}

// ---- Expression tokens ------------------------------------------------------------------

struct Tok {
    enum Kind { Name, String, Int, Float, Op, End } kind;
    std::string text;
};

void appendUtf8(std::string& out, uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

std::vector<Tok> lex(const std::string& s, int line)
{
    std::vector<Tok> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (isSpace(c)) {
            ++i;
        } else if (c == '\'' || c == '"') {
            std::string v;
            ++i;
            while (i < s.size() && s[i] != c) {
                if (s[i] == '\\' && i + 1 < s.size()) {
                    const char e = s[++i];
                    auto hexValue = [&](std::size_t digits) {
                        if (i + digits >= s.size())
                            syntaxError(line, "truncated escape in a string literal");
                        const uint32_t cp = static_cast<uint32_t>(std::strtoul(s.substr(i + 1, digits).c_str(), nullptr, 16));
                        i += digits;
                        appendUtf8(v, cp);
                    };
                    switch (e) {
                    case 'n': v.push_back('\n'); break;
                    case 't': v.push_back('\t'); break;
                    case 'r': v.push_back('\r'); break;
                    case 'b': v.push_back('\b'); break;
                    case 'f': v.push_back('\f'); break;
                    case 'v': v.push_back('\v'); break;
                    case '0': v.push_back('\0'); break;
                    case '\\': v.push_back('\\'); break;
                    case '\'': v.push_back('\''); break;
                    case '"': v.push_back('"'); break;
                    case 'x': hexValue(2); break;
                    case 'u': hexValue(4); break;
                    case 'U': hexValue(8); break;
                    case '\n': break; // line continuation
                    default: v.push_back('\\'); v.push_back(e); break; // Python keeps unknown escapes
                    }
                    ++i;
                } else {
                    v.push_back(s[i++]);
                }
            }
            if (i >= s.size())
                syntaxError(line, "unterminated string literal");
            ++i;
            out.push_back({Tok::String, v});
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            std::size_t j = i;
            bool isFloat = false;
            while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '_'))
                ++j;
            if (j + 1 < s.size() && s[j] == '.' && std::isdigit(static_cast<unsigned char>(s[j + 1]))) {
                isFloat = true;
                ++j;
                while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])))
                    ++j;
            }
            if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < s.size() && (s[k] == '+' || s[k] == '-'))
                    ++k;
                if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
                    isFloat = true;
                    j = k;
                    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])))
                        ++j;
                }
            }
            std::string num;
            for (std::size_t k = i; k < j; ++k)
                if (s[k] != '_')
                    num.push_back(s[k]);
            out.push_back({isFloat ? Tok::Float : Tok::Int, num});
            i = j;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_'))
                ++j;
            out.push_back({Tok::Name, s.substr(i, j - i)});
            i = j;
        } else {
            static const char* ops[] = {"==", "!=", "<=", ">=", "//", "**", "+", "-", "*", "/", "%", "~", "<", ">",
                                        "=",  "(",  ")",  "[",  "]",  "{",  "}", ",", ".", ":", "|"};
            bool found = false;
            for (const char* op : ops) {
                const std::size_t n = std::char_traits<char>::length(op);
                if (s.compare(i, n, op) == 0) {
                    out.push_back({Tok::Op, op});
                    i += n;
                    found = true;
                    break;
                }
            }
            if (!found)
                syntaxError(line, std::string("unexpected character '") + c + "'");
        }
    }
    out.push_back({Tok::End, ""});
    return out;
}

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

    ExprPtr parseExpression() { return parseCond(); }
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

    ExprPtr parseOr()
    {
        ExprPtr e = parseAnd();
        while (isName("or")) {
            ++m_pos;
            e = binary("or", std::move(e), parseAnd());
        }
        return e;
    }

    ExprPtr parseAnd()
    {
        ExprPtr e = parseNot();
        while (isName("and")) {
            ++m_pos;
            e = binary("and", std::move(e), parseNot());
        }
        return e;
    }

    ExprPtr parseNot()
    {
        if (isName("not")) {
            ++m_pos;
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
            if (peek().kind == Tok::Op && (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
                                           peek().text == ">" || peek().text == "<=" || peek().text == ">=")) {
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

    ExprPtr parseMath1()
    {
        ExprPtr e = parseConcat();
        while (isOp("+") || isOp("-")) {
            const std::string op = next().text;
            e = binary(op, std::move(e), parseConcat());
        }
        return e;
    }

    ExprPtr parseConcat()
    {
        ExprPtr e = parseMath2();
        while (isOp("~")) {
            ++m_pos;
            e = binary("~", std::move(e), parseMath2());
        }
        return e;
    }

    ExprPtr parseMath2()
    {
        ExprPtr e = parsePow();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
            const std::string op = next().text;
            e = binary(op, std::move(e), parsePow());
        }
        return e;
    }

    ExprPtr parsePow()
    {
        ExprPtr e = parseUnary(true);
        while (isOp("**")) {
            ++m_pos;
            e = binary("**", std::move(e), parseUnary(true));
        }
        return e;
    }

    ExprPtr parseUnary(bool withFilter)
    {
        ExprPtr e;
        if (isOp("-") || isOp("+")) {
            const bool neg = next().text == "-";
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
                    idx->literal = std::stoll(next().text);
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
                auto c = make(Expr::Call);
                c->args.push_back(std::move(e));
                parseCallArgs(*c);
                e = std::move(c);
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
                else if (peek().kind == Tok::Op && (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
                                                    peek().text == ">" || peek().text == "<=" || peek().text == ">="))
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
                auto c = make(Expr::Call);
                c->args.push_back(std::move(e));
                parseCallArgs(*c);
                e = std::move(c);
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
        case Tok::Int: return lit(static_cast<int64_t>(std::stoll(t.text)));
        case Tok::Float: return lit(std::stod(t.text));
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
