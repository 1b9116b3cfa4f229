// Evaluator of the chat-template Jinja subset: statements, expressions, and the filters,
// tests, globals and str/dict methods chat templates use, with Python's semantics.
#include "jinja_ast.h"

#include "headscope/core/errors.h"

#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <unordered_map>

namespace headscope::jinja {

namespace {

[[noreturn]] void typeError(int line, const std::string& what)
{
    throw FormatError("line " + std::to_string(line) + ": " + what);
}

std::string typeName(const Value& v)
{
    if (v.undefined)
        return "undefined";
    if (v.macro)
        return "macro";
    switch (v.j.type()) {
    case Json::value_t::null: return "None";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "int";
    case Json::value_t::number_float: return "float";
    case Json::value_t::string: return "str";
    case Json::value_t::array: return "list";
    case Json::value_t::object: return "dict";
    default: return "value";
    }
}

std::string mapCase(const std::string& s, bool upper)
{
    std::string out;
    for (const std::string& c : codepoints(s)) {
        utf8proc_int32_t cp = 0;
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(c.data()), static_cast<utf8proc_ssize_t>(c.size()), &cp);
        const utf8proc_int32_t m = upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp);
        utf8proc_uint8_t buf[4];
        const auto n = utf8proc_encode_char(m, buf);
        out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
    }
    return out;
}

uint32_t firstCodepoint(const std::string& c)
{
    utf8proc_int32_t cp = 0;
    utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(c.data()), static_cast<utf8proc_ssize_t>(c.size()), &cp);
    return static_cast<uint32_t>(cp);
}

bool isCased(const std::string& c)
{
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(firstCodepoint(c)));
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}

std::string pyStrip(const std::string& s, const Value* chars, bool left, bool right)
{
    const std::vector<std::string> cps = codepoints(s);
    std::vector<std::string> set;
    if (chars && !chars->undefined && !chars->j.is_null())
        set = codepoints(chars->j.get<std::string>());
    auto strip = [&](const std::string& c) {
        return chars && !chars->undefined && !chars->j.is_null() ? std::find(set.begin(), set.end(), c) != set.end()
                                                                  : pyIsSpace(firstCodepoint(c));
    };
    std::size_t b = 0, e = cps.size();
    while (left && b < e && strip(cps[b]))
        ++b;
    while (right && e > b && strip(cps[e - 1]))
        --e;
    std::string out;
    for (std::size_t i = b; i < e; ++i)
        out += cps[i];
    return out;
}

std::vector<std::string> pySplit(const std::string& s, const Value* sep, int64_t maxsplit)
{
    std::vector<std::string> out;
    if (!sep || sep->undefined || sep->j.is_null()) {
        const std::vector<std::string> cps = codepoints(s);
        std::size_t i = 0;
        while (i < cps.size()) {
            while (i < cps.size() && pyIsSpace(firstCodepoint(cps[i])))
                ++i;
            if (i >= cps.size())
                break;
            if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
                std::string rest;
                for (std::size_t k = i; k < cps.size(); ++k)
                    rest += cps[k];
                // Python keeps the remainder as is, minus trailing whitespace only when splitting on it fully.
                out.push_back(rest);
                return out;
            }
            std::string word;
            while (i < cps.size() && !pyIsSpace(firstCodepoint(cps[i])))
                word += cps[i++];
            out.push_back(word);
        }
        return out;
    }
    const std::string d = sep->j.get<std::string>();
    if (d.empty())
        throw FormatError("split: empty separator");
    std::size_t pos = 0;
    for (;;) {
        if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit)
            break;
        const std::size_t hit = s.find(d, pos);
        if (hit == std::string::npos)
            break;
        out.push_back(s.substr(pos, hit - pos));
        pos = hit + d.size();
    }
    out.push_back(s.substr(pos));
    return out;
}

std::string pyReplace(const std::string& s, const std::string& a, const std::string& b, int64_t count)
{
    std::string out;
    std::size_t pos = 0;
    int64_t n = 0;
    if (a.empty()) { // Python inserts b between every character
        const std::vector<std::string> cps = codepoints(s);
        for (std::size_t i = 0; i < cps.size(); ++i) {
            if (count < 0 || n < count) {
                out += b;
                ++n;
            }
            out += cps[i];
        }
        if (count < 0 || n < count)
            out += b;
        return out;
    }
    for (std::size_t hit; (count < 0 || n < count) && (hit = s.find(a, pos)) != std::string::npos; pos = hit + a.size(), ++n)
        out.append(s, pos, hit - pos).append(b);
    return out + s.substr(pos);
}

int64_t toInt(const Value& v, int line)
{
    if (v.j.is_number_integer() || v.j.is_number_unsigned())
        return v.j.get<int64_t>();
    if (v.j.is_boolean())
        return v.j.get<bool>() ? 1 : 0;
    typeError(line, "expected an integer, got " + typeName(v));
}

double toNumber(const Value& v, int line)
{
    if (v.j.is_number())
        return v.j.get<double>();
    if (v.j.is_boolean())
        return v.j.get<bool>() ? 1 : 0;
    typeError(line, "expected a number, got " + typeName(v));
}

bool isInt(const Value& v)
{
    return !v.undefined && (v.j.is_number_integer() || v.j.is_number_unsigned() || v.j.is_boolean());
}

// Python's floor division and modulo for integers.
int64_t floorDiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

enum class Flow { Normal, Break, Continue };

class Renderer {
public:
    explicit Renderer(const Json& vars)
    {
        m_scopes.emplace_back();
        for (const auto& [k, v] : vars.items())
            m_scopes.back()[k] = Value(v);
    }

    std::string run(const Body& body)
    {
        std::string out;
        exec(body, out);
        return out;
    }

private:
    using Scope = std::unordered_map<std::string, Value>;
    std::vector<Scope> m_scopes;

    Value* find(const std::string& name)
    {
        for (auto it = m_scopes.rbegin(); it != m_scopes.rend(); ++it)
            if (auto f = it->find(name); f != it->end())
                return &f->second;
        return nullptr;
    }

    Flow exec(const Body& body, std::string& out)
    {
        for (const Node& n : body) {
            const Flow f = execNode(n, out);
            if (f != Flow::Normal)
                return f;
        }
        return Flow::Normal;
    }

    Flow execNode(const Node& n, std::string& out)
    {
        switch (n.kind) {
        case Node::Text: out += n.text; return Flow::Normal;
        case Node::Output: out += toStr(eval(*n.expr)); return Flow::Normal;
        case Node::If:
            for (const auto& [cond, body] : n.branches)
                if (!cond || truthy(eval(*cond)))
                    return exec(body, out);
            return Flow::Normal;
        case Node::For: return execFor(n, out);
        case Node::Set: {
            Value v = eval(*n.expr);
            if (n.targets.size() == 1) {
                m_scopes.back()[n.targets[0]] = std::move(v);
            } else {
                if (!v.j.is_array() || v.j.size() != n.targets.size())
                    typeError(n.line, "cannot unpack " + typeName(v) + " into " + std::to_string(n.targets.size()) + " names");
                for (std::size_t i = 0; i < n.targets.size(); ++i)
                    m_scopes.back()[n.targets[i]] = Value(v.j[i]);
            }
            return Flow::Normal;
        }
        case Node::SetAttr: {
            Value* target = find(n.targets[0]);
            if (!target || !target->j.is_object())
                typeError(n.line, "cannot set attribute '" + n.text + "' of '" + n.targets[0] + "' (not a namespace)");
            Value v = eval(*n.expr);
            target->j[n.text] = v.j;
            return Flow::Normal;
        }
        case Node::Macro: {
            Value v;
            v.macro = n.macro;
            m_scopes.back()[n.macro->name] = std::move(v);
            return Flow::Normal;
        }
        case Node::Break: return Flow::Break;
        case Node::Continue: return Flow::Continue;
        }
        return Flow::Normal;
    }

    std::vector<Json> iterate(const Value& v, int line)
    {
        std::vector<Json> items;
        if (v.undefined)
            return items;
        if (v.j.is_array()) {
            items.assign(v.j.begin(), v.j.end());
        } else if (v.j.is_object()) {
            for (const auto& [k, x] : v.j.items())
                items.emplace_back(k);
        } else if (v.j.is_string()) {
            for (const std::string& c : codepoints(v.j.get<std::string>()))
                items.emplace_back(c);
        } else {
            typeError(line, "'" + typeName(v) + "' object is not iterable");
        }
        return items;
    }

    void bindTargets(Scope& scope, const std::vector<std::string>& targets, const Json& item, int line)
    {
        if (targets.size() == 1) {
            scope[targets[0]] = Value(item);
            return;
        }
        if (!item.is_array() || item.size() != targets.size())
            typeError(line, "cannot unpack a loop item into " + std::to_string(targets.size()) + " names");
        for (std::size_t i = 0; i < targets.size(); ++i)
            scope[targets[i]] = Value(item[i]);
    }

    Flow execFor(const Node& n, std::string& out)
    {
        std::vector<Json> items = iterate(eval(*n.expr), n.line);
        m_scopes.emplace_back();
        if (n.filter) {
            std::vector<Json> kept;
            for (const Json& item : items) {
                bindTargets(m_scopes.back(), n.targets, item, n.line);
                if (truthy(eval(*n.filter)))
                    kept.push_back(item);
            }
            items = std::move(kept);
        }
        const auto count = static_cast<int64_t>(items.size());
        for (int64_t i = 0; i < count; ++i) {
            Scope& scope = m_scopes.back();
            bindTargets(scope, n.targets, items[static_cast<std::size_t>(i)], n.line);
            Json loop = {{"index", i + 1},           {"index0", i},          {"first", i == 0},
                         {"last", i == count - 1},   {"length", count},      {"revindex", count - i},
                         {"revindex0", count - i - 1}};
            if (i > 0)
                loop["previtem"] = items[static_cast<std::size_t>(i - 1)];
            if (i + 1 < count)
                loop["nextitem"] = items[static_cast<std::size_t>(i + 1)];
            scope["loop"] = Value(std::move(loop));
            if (exec(n.body, out) == Flow::Break)
                break;
        }
        m_scopes.pop_back();
        if (count == 0)
            exec(n.elseBody, out);
        return Flow::Normal;
    }

    // ---- expressions ----

    Value getAttr(const Value& obj, const std::string& name, int line)
    {
        if (obj.undefined)
            typeError(line, "'" + name + "' of an undefined value");
        if (obj.j.is_object() && obj.j.contains(name))
            return Value(obj.j[name]);
        return Value::undef();
    }

    Value getItem(const Value& obj, const Value& key, int line)
    {
        if (obj.undefined)
            typeError(line, "subscript of an undefined value");
        if (obj.j.is_object()) {
            if (key.j.is_string() && obj.j.contains(key.j.get<std::string>()))
                return Value(obj.j[key.j.get<std::string>()]);
            return Value::undef();
        }
        if (obj.j.is_array() || obj.j.is_string()) {
            if (!isInt(key))
                return Value::undef();
            const std::vector<std::string> cps = obj.j.is_string() ? codepoints(obj.j.get<std::string>()) : std::vector<std::string>();
            const auto size = static_cast<int64_t>(obj.j.is_array() ? obj.j.size() : cps.size());
            int64_t i = toInt(key, line);
            if (i < 0)
                i += size;
            if (i < 0 || i >= size)
                return Value::undef();
            return obj.j.is_array() ? Value(obj.j[static_cast<std::size_t>(i)]) : Value(Json(cps[static_cast<std::size_t>(i)]));
        }
        return Value::undef();
    }

    Value slice(const Value& obj, const Expr* a, const Expr* b, const Expr* c, int line)
    {
        const bool str = obj.j.is_string();
        if (!str && !obj.j.is_array())
            typeError(line, "cannot slice " + typeName(obj));
        const std::vector<std::string> cps = str ? codepoints(obj.j.get<std::string>()) : std::vector<std::string>();
        const auto n = static_cast<int64_t>(str ? cps.size() : obj.j.size());
        auto opt = [&](const Expr* e) -> std::optional<int64_t> {
            if (!e)
                return std::nullopt;
            Value v = eval(*e);
            if (v.j.is_null() || v.undefined)
                return std::nullopt;
            return toInt(v, line);
        };
        const int64_t step = opt(c).value_or(1);
        if (step == 0)
            typeError(line, "slice step cannot be zero");
        auto clamp = [&](std::optional<int64_t> v, int64_t fallback) {
            if (!v)
                return fallback;
            int64_t x = *v < 0 ? *v + n : *v;
            if (step > 0)
                return std::clamp<int64_t>(x, 0, n);
            return std::clamp<int64_t>(x, -1, n - 1);
        };
        const int64_t start = clamp(opt(a), step > 0 ? 0 : n - 1);
        const int64_t stop = clamp(opt(b), step > 0 ? n : -1);
        Json out = str ? Json("") : Json::array();
        std::string s;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (str)
                s += cps[static_cast<std::size_t>(i)];
            else
                out.push_back(obj.j[static_cast<std::size_t>(i)]);
        }
        return str ? Value(Json(s)) : Value(out);
    }

    Value binary(const Expr& e)
    {
        const std::string& op = e.name;
        if (op == "and") {
            Value l = eval(*e.args[0]);
            return truthy(l) ? eval(*e.args[1]) : l;
        }
        if (op == "or") {
            Value l = eval(*e.args[0]);
            return truthy(l) ? l : eval(*e.args[1]);
        }
        const Value l = eval(*e.args[0]), r = eval(*e.args[1]);
        if (op == "~")
            return Value(Json(toStr(l) + toStr(r)));
        if (op == "==")
            return Value(Json(l.undefined || r.undefined ? l.undefined == r.undefined : pyEquals(l.j, r.j)));
        if (op == "!=")
            return Value(Json(!(l.undefined || r.undefined ? l.undefined == r.undefined : pyEquals(l.j, r.j))));
        if (op == "in" || op == "not in") {
            bool found = false;
            if (r.j.is_string() && l.j.is_string())
                found = r.j.get<std::string>().find(l.j.get<std::string>()) != std::string::npos;
            else if (r.j.is_array())
                found = std::any_of(r.j.begin(), r.j.end(), [&](const Json& x) { return pyEquals(x, l.j); });
            else if (r.j.is_object())
                found = l.j.is_string() && r.j.contains(l.j.get<std::string>());
            else if (!r.undefined)
                typeError(e.line, "'in' needs a string, list or dict on the right, got " + typeName(r));
            return Value(Json(op == "in" ? found : !found));
        }
        if (l.undefined || r.undefined)
            typeError(e.line, "operator '" + op + "' on an undefined value");
        if (op == "<" || op == ">" || op == "<=" || op == ">=") {
            int cmp = 0;
            if (l.j.is_string() && r.j.is_string())
                cmp = l.j.get<std::string>().compare(r.j.get<std::string>());
            else if ((l.j.is_number() || l.j.is_boolean()) && (r.j.is_number() || r.j.is_boolean())) {
                const double a = toNumber(l, e.line), b = toNumber(r, e.line);
                cmp = a < b ? -1 : a > b ? 1 : 0;
            } else
                typeError(e.line, "cannot compare " + typeName(l) + " and " + typeName(r));
            const bool res = op == "<" ? cmp < 0 : op == ">" ? cmp > 0 : op == "<=" ? cmp <= 0 : cmp >= 0;
            return Value(Json(res));
        }
        if (op == "+") {
            if (l.j.is_string() && r.j.is_string())
                return Value(Json(l.j.get<std::string>() + r.j.get<std::string>()));
            if (l.j.is_array() && r.j.is_array()) {
                Json out = l.j;
                out.insert(out.end(), r.j.begin(), r.j.end());
                return Value(out);
            }
        }
        if (op == "*" && ((l.j.is_string() || l.j.is_array()) && isInt(r))) {
            Json out = l.j.is_string() ? Json("") : Json::array();
            for (int64_t i = 0; i < toInt(r, e.line); ++i) {
                if (l.j.is_string())
                    out = out.get<std::string>() + l.j.get<std::string>();
                else
                    out.insert(out.end(), l.j.begin(), l.j.end());
            }
            return Value(out);
        }
        const bool numbers = (l.j.is_number() || l.j.is_boolean()) && (r.j.is_number() || r.j.is_boolean());
        if (!numbers)
            typeError(e.line, "unsupported operand types for " + op + ": " + typeName(l) + " and " + typeName(r));
        if (isInt(l) && isInt(r) && op != "/") {
            const int64_t a = toInt(l, e.line), b = toInt(r, e.line);
            if ((op == "//" || op == "%") && b == 0)
                typeError(e.line, "integer division or modulo by zero");
            if (op == "+") return Value(Json(a + b));
            if (op == "-") return Value(Json(a - b));
            if (op == "*") return Value(Json(a * b));
            if (op == "//") return Value(Json(floorDiv(a, b)));
            if (op == "%") return Value(Json(a - floorDiv(a, b) * b));
            if (op == "**" && b >= 0) {
                int64_t p = 1;
                for (int64_t k = 0; k < b; ++k)
                    p *= a;
                return Value(Json(p));
            }
        }
        const double a = toNumber(l, e.line), b = toNumber(r, e.line);
        if ((op == "/" || op == "//" || op == "%") && b == 0.0)
            typeError(e.line, "division by zero");
        if (op == "+") return Value(Json(a + b));
        if (op == "-") return Value(Json(a - b));
        if (op == "*") return Value(Json(a * b));
        if (op == "/") return Value(Json(a / b));
        if (op == "//") return Value(Json(std::floor(a / b)));
        if (op == "%") return Value(Json(a - std::floor(a / b) * b));
        if (op == "**") return Value(Json(std::pow(a, b)));
        typeError(e.line, "unknown operator " + op);
    }

    Value eval(const Expr& e)
    {
        switch (e.kind) {
        case Expr::Literal: return Value(e.literal);
        case Expr::Name: {
            if (Value* v = find(e.name))
                return *v;
            return Value::undef();
        }
        case Expr::Attr: return getAttr(eval(*e.args[0]), e.name, e.line);
        case Expr::Item: return getItem(eval(*e.args[0]), eval(*e.args[1]), e.line);
        case Expr::Slice: return slice(eval(*e.args[0]), e.args[1].get(), e.args[2].get(), e.args[3].get(), e.line);
        case Expr::Call: return call(e);
        case Expr::Filter: return filter(e);
        case Expr::Test: {
            const bool r = test(e);
            return Value(Json(e.negated ? !r : r));
        }
        case Expr::Not: return Value(Json(!truthy(eval(*e.args[0]))));
        case Expr::Neg: {
            const Value v = eval(*e.args[0]);
            if (isInt(v))
                return Value(Json(-toInt(v, e.line)));
            return Value(Json(-toNumber(v, e.line)));
        }
        case Expr::Binary: return binary(e);
        case Expr::Cond:
            if (truthy(eval(*e.args[1])))
                return eval(*e.args[0]);
            return e.args[2] ? eval(*e.args[2]) : Value::undef();
        case Expr::List: {
            Json out = Json::array();
            for (const auto& a : e.args)
                out.push_back(eval(*a).j);
            return Value(out);
        }
        case Expr::Dict: {
            Json out = Json::object();
            for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
                const Value k = eval(*e.args[i]);
                if (!k.j.is_string())
                    typeError(e.line, "dict keys must be strings here");
                out[k.j.get<std::string>()] = eval(*e.args[i + 1]).j;
            }
            return Value(out);
        }
        }
        typeError(e.line, "unsupported expression");
    }

    struct Args {
        std::vector<Value> pos;
        std::map<std::string, Value> kw;
        const Value* at(std::size_t i, const char* name) const
        {
            if (i < pos.size())
                return &pos[i];
            if (auto it = kw.find(name); it != kw.end())
                return &it->second;
            return nullptr;
        }
    };

    Args evalArgs(const Expr& e, std::size_t first)
    {
        Args a;
        for (std::size_t i = first; i < e.args.size(); ++i)
            a.pos.push_back(eval(*e.args[i]));
        for (const auto& [k, v] : e.kwargs)
            a.kw[k] = eval(*v);
        return a;
    }

    std::string str(const Value* v, int line, const char* what)
    {
        if (!v || !v->j.is_string())
            typeError(line, std::string(what) + ": expected a string");
        return v->j.get<std::string>();
    }

    Value call(const Expr& e)
    {
        const Expr& callee = *e.args[0];
        Args a = evalArgs(e, 1);
        if (callee.kind == Expr::Name && !find(callee.name))
            return callGlobal(callee.name, a, e.line);
        if (callee.kind == Expr::Attr) {
            const Value obj = eval(*callee.args[0]);
            if (!obj.undefined && (obj.j.is_string() || obj.j.is_object() || obj.j.is_array()) &&
                !(obj.j.is_object() && obj.j.contains(callee.name)))
                return callMethod(obj, callee.name, a, e.line);
        }
        const Value f = eval(callee);
        if (f.macro)
            return callMacro(*f.macro, a, e.line);
        typeError(e.line, "'" + (callee.kind == Expr::Name ? callee.name : typeName(f)) + "' is not callable");
    }

    Value callMacro(const MacroDef& m, const Args& a, int line)
    {
        Scope scope;
        for (std::size_t i = 0; i < m.params.size(); ++i) {
            const auto& [name, def] = m.params[i];
            if (const Value* v = a.at(i, name.c_str()))
                scope[name] = *v;
            else
                scope[name] = def ? eval(*def) : Value::undef();
        }
        if (a.pos.size() > m.params.size())
            typeError(line, "macro '" + m.name + "' takes " + std::to_string(m.params.size()) + " arguments");
        std::vector<Scope> saved(m_scopes.begin() + 1, m_scopes.end());
        m_scopes.resize(1);
        m_scopes.push_back(std::move(scope));
        std::string out;
        exec(m.body, out);
        m_scopes.resize(1);
        m_scopes.insert(m_scopes.end(), saved.begin(), saved.end());
        return Value(Json(out));
    }

    Value callGlobal(const std::string& name, const Args& a, int line)
    {
        if (name == "raise_exception")
            throw UsageError("chat template: " + (a.pos.empty() ? std::string("raise_exception") : toStr(a.pos[0])));
        if (name == "namespace" || name == "dict") {
            Json out = Json::object();
            for (const Value& v : a.pos)
                if (v.j.is_object())
                    for (const auto& [k, x] : v.j.items())
                        out[k] = x;
            for (const auto& [k, v] : a.kw)
                out[k] = v.j;
            return Value(out);
        }
        if (name == "range") {
            int64_t start = 0, stop = 0, step = 1;
            if (a.pos.size() == 1)
                stop = toInt(a.pos[0], line);
            else if (a.pos.size() >= 2)
                start = toInt(a.pos[0], line), stop = toInt(a.pos[1], line);
            if (a.pos.size() == 3)
                step = toInt(a.pos[2], line);
            if (step == 0)
                typeError(line, "range() step cannot be zero");
            Json out = Json::array();
            for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
                out.push_back(i);
            return Value(out);
        }
        if (name == "strftime_now") {
            const std::time_t now = std::time(nullptr);
            std::tm tm{};
            localtime_r(&now, &tm);
            char buf[128];
            const std::size_t n = std::strftime(buf, sizeof buf, str(a.at(0, "format"), line, "strftime_now").c_str(), &tm);
            return Value(Json(std::string(buf, n)));
        }
        typeError(line, "function '" + name + "' is not implemented");
    }

    Value callMethod(const Value& obj, const std::string& name, const Args& a, int line)
    {
        if (obj.j.is_string()) {
            const std::string s = obj.j.get<std::string>();
            if (name == "startswith" || name == "endswith") {
                const Value* p = a.at(0, "prefix");
                std::vector<std::string> options;
                if (p && p->j.is_array()) {
                    for (const Json& x : p->j)
                        options.push_back(x.get<std::string>());
                } else {
                    options.push_back(str(p, line, name.c_str()));
                }
                for (const std::string& o : options) {
                    const bool hit = name == "startswith" ? s.compare(0, o.size(), o) == 0
                                                          : s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0;
                    if (hit)
                        return Value(Json(true));
                }
                return Value(Json(false));
            }
            if (name == "strip") return Value(Json(pyStrip(s, a.at(0, "chars"), true, true)));
            if (name == "lstrip") return Value(Json(pyStrip(s, a.at(0, "chars"), true, false)));
            if (name == "rstrip") return Value(Json(pyStrip(s, a.at(0, "chars"), false, true)));
            if (name == "split") {
                const Value* m = a.at(1, "maxsplit");
                Json out = Json::array();
                for (const std::string& part : pySplit(s, a.at(0, "sep"), m ? toInt(*m, line) : -1))
                    out.push_back(part);
                return Value(out);
            }
            if (name == "upper") return Value(Json(mapCase(s, true)));
            if (name == "lower") return Value(Json(mapCase(s, false)));
            if (name == "title" || name == "capitalize") return Value(Json(titleCase(s, name == "capitalize")));
            if (name == "replace") {
                const Value* c = a.at(2, "count");
                return Value(Json(pyReplace(s, str(a.at(0, "old"), line, "replace"), str(a.at(1, "new"), line, "replace"),
                                            c ? toInt(*c, line) : -1)));
            }
            if (name == "find" || name == "count") {
                const std::string sub = str(a.at(0, "sub"), line, name.c_str());
                if (name == "find") {
                    const std::size_t hit = s.find(sub);
                    return Value(Json(hit == std::string::npos ? int64_t{-1} : static_cast<int64_t>(codepoints(s.substr(0, hit)).size())));
                }
                int64_t n = 0;
                for (std::size_t p = s.find(sub); !sub.empty() && p != std::string::npos; p = s.find(sub, p + sub.size()))
                    ++n;
                return Value(Json(n));
            }
            if (name == "join") {
                const Value* it = a.at(0, "iterable");
                std::string out;
                bool first = true;
                for (const Json& x : iterate(it ? *it : Value::undef(), line)) {
                    out += (first ? "" : s) + toStr(Value(x));
                    first = false;
                }
                return Value(Json(out));
            }
        } else if (obj.j.is_object()) {
            if (name == "get") {
                const std::string key = str(a.at(0, "key"), line, "get");
                if (obj.j.contains(key))
                    return Value(obj.j[key]);
                const Value* d = a.at(1, "default");
                return d ? *d : Value(Json(nullptr));
            }
            if (name == "items" || name == "keys" || name == "values") {
                Json out = Json::array();
                for (const auto& [k, v] : obj.j.items())
                    out.push_back(name == "items" ? Json::array({k, v}) : name == "keys" ? Json(k) : v);
                return Value(out);
            }
        }
        typeError(line, "method '" + name + "' of " + typeName(obj) + " is not implemented");
    }

    static std::string titleCase(const std::string& s, bool firstOnly)
    {
        std::string out;
        bool previousCased = false, seenFirst = false;
        for (const std::string& c : codepoints(s)) {
            const bool cased = isCased(c);
            if (firstOnly)
                out += seenFirst ? mapCase(c, false) : mapCase(c, true);
            else
                out += cased ? mapCase(c, !previousCased) : c;
            previousCased = cased;
            seenFirst = true;
        }
        return out;
    }

    // Jinja's title filter (not str.title): words start after runs of "-", whitespace, "(", "{", "[", "<".
    static std::string jinjaTitle(const std::string& s)
    {
        std::string out;
        bool wordStart = true;
        for (const std::string& c : codepoints(s)) {
            const bool sep = c == "-" || c == "(" || c == "{" || c == "[" || c == "<" || pyIsSpace(firstCodepoint(c));
            out += sep ? c : mapCase(c, wordStart);
            wordStart = sep;
        }
        return out;
    }

    bool test(const Expr& e)
    {
        const Value v = eval(*e.args[0]);
        const Args a = evalArgs(e, 1);
        const std::string& t = e.name;
        const Json& j = v.j;
        if (t == "defined") return !v.undefined;
        if (t == "undefined") return v.undefined;
        if (v.undefined && t != "none")
            return false;
        if (t == "none") return !v.undefined && j.is_null();
        if (t == "string") return j.is_string();
        if (t == "number") return j.is_number();
        if (t == "integer") return j.is_number_integer() || j.is_number_unsigned();
        if (t == "float") return j.is_number_float();
        if (t == "boolean") return j.is_boolean();
        if (t == "true") return j.is_boolean() && j.get<bool>();
        if (t == "false") return j.is_boolean() && !j.get<bool>();
        if (t == "mapping") return j.is_object();
        if (t == "iterable") return j.is_array() || j.is_object() || j.is_string();
        if (t == "sequence") return j.is_array() || j.is_object() || j.is_string();
        if (t == "callable") return v.macro != nullptr;
        if (t == "odd" || t == "even") return isInt(v) && (toInt(v, e.line) % 2 != 0) == (t == "odd");
        if (t == "lower") return j.is_string() && mapCase(j.get<std::string>(), false) == j.get<std::string>();
        if (t == "upper") return j.is_string() && mapCase(j.get<std::string>(), true) == j.get<std::string>();
        if (a.pos.empty())
            typeError(e.line, "test '" + t + "' needs an argument");
        const Value& o = a.pos[0];
        if (t == "divisibleby") return toInt(o, e.line) != 0 && toInt(v, e.line) % toInt(o, e.line) == 0;
        if (t == "equalto" || t == "eq" || t == "==" || t == "sameas") return !o.undefined && pyEquals(j, o.j);
        if (t == "ne" || t == "!=") return o.undefined || !pyEquals(j, o.j);
        if (t == "in") {
            if (o.j.is_array()) return std::any_of(o.j.begin(), o.j.end(), [&](const Json& x) { return pyEquals(x, j); });
            if (o.j.is_string() && j.is_string()) return o.j.get<std::string>().find(j.get<std::string>()) != std::string::npos;
            if (o.j.is_object() && j.is_string()) return o.j.contains(j.get<std::string>());
            return false;
        }
        const double x = toNumber(v, e.line), y = toNumber(o, e.line);
        if (t == "lt" || t == "<") return x < y;
        if (t == "gt" || t == ">") return x > y;
        if (t == "le" || t == "<=") return x <= y;
        if (t == "ge" || t == ">=") return x >= y;
        typeError(e.line, "test '" + t + "' is not implemented");
    }

    // Attribute of an item for selectattr/map/sort/sum/join(attribute=...): "a.b" walks dicts.
    static Json attrOf(const Json& item, const std::string& path)
    {
        Json cur = item;
        std::size_t pos = 0;
        while (pos <= path.size()) {
            const std::size_t dot = path.find('.', pos);
            const std::string key = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
            if (!cur.is_object() || !cur.contains(key))
                return Json();
            cur = Json(cur[key]);
            if (dot == std::string::npos)
                break;
            pos = dot + 1;
        }
        return cur;
    }

    bool namedTest(const std::string& name, const Value& v, const std::vector<Value>& args, int line)
    {
        // Builds a throwaway test expression so selectattr and friends share test().
        Expr t;
        t.kind = Expr::Test;
        t.name = name;
        t.line = line;
        auto lit = [&](const Value& x) {
            auto l = std::make_unique<Expr>();
            l->kind = Expr::Literal;
            l->literal = x.j;
            return l;
        };
        if (v.undefined) {
            auto missing = std::make_unique<Expr>();
            missing->kind = Expr::Name;
            missing->name = "\x01"; // no variable has this name: evaluates to undefined
            t.args.push_back(std::move(missing));
        } else {
            t.args.push_back(lit(v));
        }
        for (const Value& x : args)
            t.args.push_back(lit(x));
        return test(t);
    }

    Value filter(const Expr& e)
    {
        const Value v = eval(*e.args[0]);
        const Args a = evalArgs(e, 1);
        const std::string& f = e.name;
        const int line = e.line;
        if (f == "safe") return v;
        if (f == "default" || f == "d") {
            const Value* b = a.at(1, "boolean");
            const bool useFalsy = b && truthy(*b);
            if (v.undefined || (useFalsy && !truthy(v))) {
                const Value* d = a.at(0, "default_value");
                return d ? *d : Value(Json(""));
            }
            return v;
        }
        if (v.undefined)
            typeError(line, "filter '" + f + "' on an undefined value");
        const Json& j = v.j;
        if (f == "trim") return Value(Json(pyStrip(toStr(v), a.at(0, "chars"), true, true)));
        if (f == "string") return Value(Json(toStr(v)));
        if (f == "upper" || f == "lower") return Value(Json(mapCase(toStr(v), f == "upper")));
        if (f == "title") return Value(Json(jinjaTitle(toStr(v))));
        if (f == "capitalize") return Value(Json(titleCase(toStr(v), true)));
        if (f == "length" || f == "count") {
            if (j.is_string()) return Value(Json(static_cast<int64_t>(codepoints(j.get<std::string>()).size())));
            if (j.is_array() || j.is_object()) return Value(Json(static_cast<int64_t>(j.size())));
            typeError(line, "object of type '" + typeName(v) + "' has no len()");
        }
        if (f == "tojson") {
            const Value* ind = a.at(0, "indent");
            const Value* sortKeys = a.at(0xffff, "sort_keys");
            const Value* ascii = a.at(0xffff, "ensure_ascii");
            const Value* seps = a.at(0xffff, "separators");
            const int indent = ind && !ind->j.is_null() ? static_cast<int>(toInt(*ind, line)) : -1;
            std::string itemSep = indent >= 0 ? "," : ", ", keySep = ": ";
            if (seps && seps->j.is_array() && seps->j.size() == 2)
                itemSep = seps->j[0].get<std::string>(), keySep = seps->j[1].get<std::string>();
            return Value(Json(toJson(j, indent, sortKeys && truthy(*sortKeys), ascii && truthy(*ascii), itemSep, keySep)));
        }
        if (f == "first" || f == "last") {
            const std::vector<Json> items = iterate(v, line);
            if (items.empty())
                return Value::undef();
            return Value(f == "first" ? items.front() : items.back());
        }
        if (f == "join") {
            const Value* sep = a.at(0, "d");
            const Value* attr = a.at(1, "attribute");
            std::string out;
            bool first = true;
            for (const Json& x : iterate(v, line)) {
                out += (first ? "" : (sep ? toStr(*sep) : "")) + toStr(Value(attr ? attrOf(x, toStr(*attr)) : x));
                first = false;
            }
            return Value(Json(out));
        }
        if (f == "list") {
            Json out = Json::array();
            for (const Json& x : iterate(v, line))
                out.push_back(x);
            return Value(out);
        }
        if (f == "items") {
            if (!j.is_object())
                typeError(line, "filter 'items' needs a dict");
            Json out = Json::array();
            for (const auto& [k, x] : j.items())
                out.push_back(Json::array({k, x}));
            return Value(out);
        }
        if (f == "replace") {
            const Value* c = a.at(2, "count");
            return Value(Json(pyReplace(toStr(v), str(a.at(0, "old"), line, "replace"), str(a.at(1, "new"), line, "replace"),
                                        c ? toInt(*c, line) : -1)));
        }
        if (f == "int") {
            if (isInt(v)) return Value(Json(toInt(v, line)));
            if (j.is_number_float()) return Value(Json(static_cast<int64_t>(j.get<double>())));
            if (j.is_string()) {
                try {
                    std::size_t used = 0;
                    const std::string s = pyStrip(j.get<std::string>(), nullptr, true, true);
                    const long long n = std::stoll(s, &used);
                    if (used == s.size())
                        return Value(Json(static_cast<int64_t>(n)));
                } catch (const std::exception&) {
                }
            }
            const Value* d = a.at(0, "default");
            return d ? *d : Value(Json(int64_t{0}));
        }
        if (f == "float") {
            if (j.is_number() || j.is_boolean()) return Value(Json(toNumber(v, line)));
            if (j.is_string()) {
                try {
                    return Value(Json(std::stod(j.get<std::string>())));
                } catch (const std::exception&) {
                }
            }
            const Value* d = a.at(0, "default");
            return d ? *d : Value(Json(0.0));
        }
        if (f == "abs") return isInt(v) ? Value(Json(std::llabs(toInt(v, line)))) : Value(Json(std::fabs(toNumber(v, line))));
        if (f == "reverse") {
            if (j.is_string()) {
                std::vector<std::string> cps = codepoints(j.get<std::string>());
                std::string out;
                for (auto it = cps.rbegin(); it != cps.rend(); ++it)
                    out += *it;
                return Value(Json(out));
            }
            std::vector<Json> items = iterate(v, line);
            std::reverse(items.begin(), items.end());
            return Value(Json(items));
        }
        if (f == "unique") {
            Json out = Json::array();
            for (const Json& x : iterate(v, line))
                if (std::none_of(out.begin(), out.end(), [&](const Json& y) { return pyEquals(x, y); }))
                    out.push_back(x);
            return Value(out);
        }
        if (f == "sort") {
            std::vector<Json> items = iterate(v, line);
            const Value* rev = a.at(0, "reverse");
            const Value* attr = a.at(2, "attribute");
            auto key = [&](const Json& x) { return attr ? attrOf(x, toStr(*attr)) : x; };
            std::stable_sort(items.begin(), items.end(), [&](const Json& x, const Json& y) {
                const Json kx = key(x), ky = key(y);
                if (kx.is_string() && ky.is_string())
                    return kx.get<std::string>() < ky.get<std::string>();
                if (kx.is_number() && ky.is_number())
                    return kx.get<double>() < ky.get<double>();
                typeError(line, "sort: cannot compare these items");
            });
            if (rev && truthy(*rev))
                std::reverse(items.begin(), items.end());
            return Value(Json(items));
        }
        if (f == "sum" || f == "min" || f == "max") {
            const Value* attr = a.at(f == "sum" ? 0 : 99, "attribute");
            std::vector<Json> items = iterate(v, line);
            if (f == "sum") {
                const Value* start = a.at(1, "start");
                Value acc = start ? *start : Value(Json(int64_t{0}));
                for (const Json& x : items) {
                    const Json n = attr ? attrOf(x, toStr(*attr)) : x;
                    acc = isInt(acc) && (n.is_number_integer() || n.is_number_unsigned()) ? Value(Json(toInt(acc, line) + n.get<int64_t>()))
                                                                                          : Value(Json(toNumber(acc, line) + toNumber(Value(n), line)));
                }
                return acc;
            }
            if (items.empty())
                return Value::undef();
            Json best = items[0];
            for (const Json& x : items) {
                const bool less = x.is_string() ? x.get<std::string>() < best.get<std::string>() : x.get<double>() < best.get<double>();
                if ((f == "min") == less && !pyEquals(x, best))
                    best = x;
            }
            return Value(best);
        }
        if (f == "indent") {
            const Value* w = a.at(0, "width");
            const Value* first = a.at(1, "first");
            const Value* blank = a.at(2, "blank");
            const std::string pad = w && w->j.is_string() ? w->j.get<std::string>() : std::string(static_cast<std::size_t>(w ? toInt(*w, line) : 4), ' ');
            const std::string s = toStr(v);
            std::string out;
            std::size_t pos = 0;
            bool firstLine = true;
            while (pos <= s.size()) {
                const std::size_t nl = s.find('\n', pos);
                const std::string lineText = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
                const bool indentThis = firstLine ? (first && truthy(*first)) : (!lineText.empty() || (blank && truthy(*blank)));
                out += (indentThis ? pad : "") + lineText;
                if (nl == std::string::npos)
                    break;
                out += "\n";
                pos = nl + 1;
                firstLine = false;
            }
            return Value(Json(out));
        }
        if (f == "selectattr" || f == "rejectattr" || f == "select" || f == "reject") {
            const bool byAttr = f == "selectattr" || f == "rejectattr";
            const bool keep = f == "selectattr" || f == "select";
            std::size_t k = 0;
            std::string attr;
            if (byAttr)
                attr = str(a.at(k++, "attribute"), line, f.c_str());
            const Value* testName = a.at(k++, "test");
            std::vector<Value> testArgs(a.pos.begin() + static_cast<std::ptrdiff_t>(std::min(k, a.pos.size())), a.pos.end());
            Json out = Json::array();
            for (const Json& x : iterate(v, line)) {
                Value item = byAttr ? Value(attrOf(x, attr)) : Value(x);
                if (byAttr && (!x.is_object() || attrOf(x, attr).is_null()))
                    item = x.is_object() && x.contains(attr) ? Value(Json(x[attr])) : Value::undef();
                const bool pass = testName ? namedTest(toStr(*testName), item, testArgs, line) : truthy(item);
                if (pass == keep)
                    out.push_back(x);
            }
            return Value(out);
        }
        if (f == "map") {
            Json out = Json::array();
            if (const Value* attr = a.at(0xffff, "attribute")) {
                const Value* d = a.at(0xffff, "default");
                for (const Json& x : iterate(v, line)) {
                    const Json got = x.is_object() && x.contains(toStr(*attr)) ? Json(x[toStr(*attr)]) : Json();
                    out.push_back(!got.is_null() || !d ? got : d->j);
                }
                return Value(out);
            }
            const std::string name = str(a.at(0, "filter"), line, "map");
            for (const Json& x : iterate(v, line)) {
                Expr fe;
                fe.kind = Expr::Filter;
                fe.name = name;
                fe.line = line;
                auto l = std::make_unique<Expr>();
                l->kind = Expr::Literal;
                l->literal = x;
                fe.args.push_back(std::move(l));
                for (std::size_t i = 1; i < a.pos.size(); ++i) {
                    auto p = std::make_unique<Expr>();
                    p->kind = Expr::Literal;
                    p->literal = a.pos[i].j;
                    fe.args.push_back(std::move(p));
                }
                out.push_back(filter(fe).j);
            }
            return Value(out);
        }
        typeError(line, "filter '" + f + "' is not implemented");
    }
};

} // namespace

std::string Template::render(const nlohmann::ordered_json& variables) const
{
    Renderer r(variables);
    return r.run(m_program->body);
}

} // namespace headscope::jinja
