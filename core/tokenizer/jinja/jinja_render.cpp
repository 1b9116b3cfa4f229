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
    int64_t m_steps = 0;  // nodes executed + expressions evaluated, against limits::kMaxSteps
    int m_macroDepth = 0; // macro calls in progress

    void step(int line)
    {
        if (++m_steps > limits::kMaxSteps)
            typeError(line, "the template takes more than " + std::to_string(limits::kMaxSteps) +
                                " evaluation steps (docs/input_limits.md): a loop or recursion that does not end?");
    }

    // Bytes of all strings inside `j` (without recursion).
    static std::size_t stringBytes(const Json& j)
    {
        std::size_t bytes = 0;
        std::vector<const Json*> stack{&j};
        while (!stack.empty()) {
            const Json* v = stack.back();
            stack.pop_back();
            if (v->is_string())
                bytes += v->get_ref<const std::string&>().size();
            else if (v->is_structured())
                for (const Json& child : *v)
                    stack.push_back(&child);
        }
        return bytes;
    }

    // A list or dict the template builds (literal, +, dict(), namespace()) can nest what it holds
    // one level deeper each time round a loop, and hold a value twice: walked once, without
    // recursion, charging every node to the step budget and refusing depth past kMaxValueDepth,
    // so neither copying nor printing it can exhaust the stack or memory.
    void chargeBuilt(const Json& j, int line)
    {
        std::vector<std::pair<const Json*, int>> stack{{&j, 1}};
        std::size_t bytes = 0;
        while (!stack.empty()) {
            const auto [v, depth] = stack.back();
            stack.pop_back();
            step(line);
            if (v->is_string() && (bytes += v->get_ref<const std::string&>().size()) > limits::kMaxBuiltBytes)
                typeError(line, "a list or dict holding more than " + std::to_string(limits::kMaxBuiltBytes) +
                                    " bytes of strings (docs/input_limits.md)");
            if (!v->is_structured())
                continue;
            if (depth > limits::kMaxValueDepth)
                typeError(line, "a value nested deeper than " + std::to_string(limits::kMaxValueDepth) +
                                    " levels (docs/input_limits.md)");
            if (v->size() > limits::kMaxListItems)
                typeError(line, "a " + std::string(v->is_array() ? "list" : "dict") + " of " + std::to_string(v->size()) +
                                    " items is beyond the limit of " + std::to_string(limits::kMaxListItems) +
                                    " (docs/input_limits.md)");
            for (const Json& child : *v)
                stack.emplace_back(&child, depth + 1);
        }
    }

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
        step(n.line);
        const Flow f = execNodeImpl(n, out);
        checkStringSize(out.size(), n.line, "the rendered text");
        return f;
    }

    Flow execNodeImpl(const Node& n, std::string& out)
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
            step(n.line); // an empty body still costs a round
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
            const int64_t times = std::max<int64_t>(toInt(r, e.line), 0);
            const std::size_t unit = l.j.is_string() ? l.j.get_ref<const std::string&>().size() : l.j.size();
            const std::size_t limit = l.j.is_string() ? limits::kMaxStringBytes : limits::kMaxListItems;
            // Nothing repeated any number of times is nothing; not a loop of `times` rounds.
            if (unit == 0 || times == 0)
                return Value(l.j.is_string() ? Json(std::string()) : Json::array());
            if (static_cast<uint64_t>(times) > limit / unit)
                typeError(e.line, "repeating a " + typeName(l) + " of " + std::to_string(unit) + " " +
                                      (l.j.is_string() ? "bytes " : "items ") + std::to_string(times) +
                                      " times is beyond the limit of " + std::to_string(limit) + " (docs/input_limits.md)");
            if (l.j.is_string()) {
                const std::string& piece = l.j.get_ref<const std::string&>();
                std::string out;
                out.reserve(unit * static_cast<std::size_t>(times));
                for (int64_t i = 0; i < times; ++i)
                    out += piece;
                return Value(Json(std::move(out)));
            }
            // The copies share nothing: bound the strings they would hold before making them.
            chargeBuilt(l.j, e.line);
            if (times > 0 && stringBytes(l.j) > limits::kMaxBuiltBytes / static_cast<uint64_t>(times))
                typeError(e.line, "repeating this list " + std::to_string(times) + " times would hold more than " +
                                      std::to_string(limits::kMaxBuiltBytes) + " bytes of strings (docs/input_limits.md)");
            Json out = Json::array();
            for (int64_t i = 0; i < times; ++i)
                out.insert(out.end(), l.j.begin(), l.j.end());
            return Value(out);
        }
        const bool numbers = (l.j.is_number() || l.j.is_boolean()) && (r.j.is_number() || r.j.is_boolean());
        if (!numbers)
            typeError(e.line, "unsupported operand types for " + op + ": " + typeName(l) + " and " + typeName(r));
        if (isInt(l) && isInt(r) && op != "/") {
            const int64_t a = toInt(l, e.line), b = toInt(r, e.line);
            if ((op == "//" || op == "%") && b == 0)
                typeError(e.line, "integer division or modulo by zero");
            if (op == "+") return Value(Json(checkedArith('+', a, b, e.line)));
            if (op == "-") return Value(Json(checkedArith('-', a, b, e.line)));
            if (op == "*") return Value(Json(checkedArith('*', a, b, e.line)));
            if (op == "//") return Value(Json(floorDiv(a, b)));
            if (op == "%") { // Python's modulo: the sign of the divisor
                const int64_t m = b == -1 ? 0 : a % b;
                return Value(Json(m != 0 && (m < 0) != (b < 0) ? m + b : m));
            }
            if (op == "**" && b >= 0) return Value(Json(checkedArith('p', a, b, e.line)));
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
        step(e.line);
        Value v = evalImpl(e);
        if (v.j.is_string())
            checkStringSize(v.j.get_ref<const std::string&>().size(), e.line, "a string");
        if ((e.kind == Expr::List || e.kind == Expr::Dict || e.kind == Expr::Call || e.kind == Expr::Binary) && v.j.is_structured())
            chargeBuilt(v.j, e.line);
        return v;
    }

    Value evalImpl(const Expr& e)
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
                return Value(Json(checkedArith('-', 0, toInt(v, e.line), e.line)));
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
        if (m_macroDepth >= limits::kMaxMacroDepth)
            typeError(line, "macro '" + m.name + "' calls nested deeper than " + std::to_string(limits::kMaxMacroDepth) +
                                " (docs/input_limits.md): recursion that does not end?");
        ++m_macroDepth;
        struct Leave {
            int& depth;
            ~Leave() { --depth; }
        } leave{m_macroDepth};
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
    try {
        return r.run(m_program->body);
    } catch (const nlohmann::json::exception& e) {
        // A value of a kind an operation cannot take that no check above names (the template's
        // fault, like the typeErrors): reported the same way.
        throw FormatError(std::string("chat template: ") + e.what());
    }
}

} // namespace headscope::jinja
