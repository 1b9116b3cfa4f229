// Evaluator of the chat-template Jinja subset: statements, scopes, expressions and calls,
// with Python's semantics; filters, tests and methods are in jinja_builtins.cpp.
#include "jinja_builtins.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace headscope::jinja {

namespace {

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
            if (isGlobal(e.name)) {
                Value f;
                f.builtin = e.name;
                return f;
            }
            return Value::undef();
        }
        case Expr::Attr: return getAttr(eval(*e.args[0]), e.name, e.line);
        case Expr::Item: return getItem(eval(*e.args[0]), eval(*e.args[1]), e.line);
        case Expr::Slice: return slice(eval(*e.args[0]), e.args[1].get(), e.args[2].get(), e.args[3].get(), e.line);
        case Expr::Call: return call(e);
        case Expr::Filter: return applyFilter(e.name, eval(*e.args[0]), evalArgs(e, 1), e.line);
        case Expr::Test: {
            const bool r = applyTest(e.name, eval(*e.args[0]), evalArgs(e, 1), e.line);
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

    Args evalArgs(const Expr& e, std::size_t first)
    {
        Args a;
        for (std::size_t i = first; i < e.args.size(); ++i)
            a.pos.push_back(eval(*e.args[i]));
        for (const auto& [k, v] : e.kwargs)
            a.kw[k] = eval(*v);
        return a;
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
        if (!f.builtin.empty())
            return callGlobal(f.builtin, a, e.line);
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

};

} // namespace

std::string Template::render(const nlohmann::ordered_json& variables) const
{
    Renderer r(variables);
    return r.run(m_program->body);
}

} // namespace headscope::jinja
