// Filters, tests, global functions and dict/str methods of the chat-template Jinja subset,
// with Python's (Jinja2's) semantics. Which ones exist is listed in docs/tokenizers.md.
#include "jinja_builtins.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>

namespace headscope::jinja {

[[noreturn]] void typeError(int line, const std::string& what)
{
    // Line 0: raised where no template line is known (value helpers).
    throw FormatError(line > 0 ? "line " + std::to_string(line) + ": " + what : "chat template: " + what);
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

void checkStringSize(std::size_t bytes, int line, const char* what)
{
    if (bytes > limits::kMaxStringBytes)
        typeError(line, std::string(what) + " would be " + std::to_string(bytes) + " bytes, beyond the limit of " +
                            std::to_string(limits::kMaxStringBytes) + " (docs/input_limits.md)");
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
    if (a == std::numeric_limits<int64_t>::min() && b == -1)
        typeError(0, "integer overflow in floor division (Python integers are unbounded; these are 64-bit)");
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

int64_t checkedArith(char op, int64_t a, int64_t b, int line)
{
    int64_t r = 0;
    bool overflow = false;
    switch (op) {
    case '+': overflow = __builtin_add_overflow(a, b, &r); break;
    case '-': overflow = __builtin_sub_overflow(a, b, &r); break;
    case '*': overflow = __builtin_mul_overflow(a, b, &r); break;
    case 'p': // a ** b, b >= 0: square and multiply, so a huge exponent costs 64 steps, not b
        r = 1;
        for (int64_t base = a, e = b; e > 0 && !overflow; e >>= 1) {
            if (e & 1)
                overflow = __builtin_mul_overflow(r, base, &r);
            if (e > 1 && !overflow)
                overflow = __builtin_mul_overflow(base, base, &base);
        }
        break;
    default: typeError(line, std::string("unknown integer operator ") + op);
    }
    if (overflow)
        typeError(line, "integer overflow: " + std::to_string(a) + " " + (op == 'p' ? std::string("**") : std::string(1, op)) + " " +
                            std::to_string(b) + " does not fit in 64 bits (Python integers are unbounded; these are not)");
    return r;
}

const Value* Args::at(std::size_t i, const char* name) const
{
    if (i < pos.size())
        return &pos[i];
    if (auto it = kw.find(name); it != kw.end())
        return &it->second;
    return nullptr;
}

namespace {

std::string str(const Value* v, int line, const char* what)
{
    if (!v || !v->j.is_string())
        typeError(line, std::string(what) + ": expected a string");
    return v->j.get<std::string>();
}


// Attribute of an item for selectattr/map/sort/sum/join(attribute=...): "a.b" walks dicts.
Json attrOf(const Json& item, const std::string& path)
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


} // namespace

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
        // A string iterates as its characters, each an item of a list: the list limit applies
        // (counted before any item is made; a 15 MB string made 2 GB of one-character strings).
        const std::string& text = v.j.get_ref<const std::string&>();
        const auto characters = static_cast<std::size_t>(
            std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
        if (characters > limits::kMaxListItems)
            typeError(line, "iterating a string of " + std::to_string(characters) + " characters is beyond the limit of " +
                                std::to_string(limits::kMaxListItems) + " items (docs/input_limits.md)");
        for (const std::string& c : codepoints(text))
            items.emplace_back(c);
    } else {
        typeError(line, "'" + typeName(v) + "' object is not iterable");
    }
    return items;
}


bool isGlobal(const std::string& name)
{
    return name == "raise_exception" || name == "namespace" || name == "dict" || name == "range" || name == "strftime_now";
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
        // Python's len(range(...)), computed without overflow, bounded before anything is built.
        const long double span = step > 0 ? static_cast<long double>(stop) - start : static_cast<long double>(start) - stop;
        const long double length = span <= 0 ? 0 : std::ceil(span / std::fabs(static_cast<long double>(step)));
        if (length > static_cast<long double>(limits::kMaxListItems))
            typeError(line, "range() of " + std::to_string(static_cast<double>(length)) + " items is beyond the limit of " +
                                std::to_string(limits::kMaxListItems) + " (docs/input_limits.md)");
        Json out = Json::array();
        for (int64_t n = 0, i = start; n < static_cast<int64_t>(length); ++n, i += step)
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
                checkStringSize(out.size(), line, "join's result");
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

bool applyTest(const std::string& t, const Value& v, const Args& a, int line)
{
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
    if (t == "callable") return v.macro != nullptr || !v.builtin.empty();
    if (t == "odd" || t == "even") return isInt(v) && (toInt(v, line) % 2 != 0) == (t == "odd");
    if (t == "lower") return j.is_string() && mapCase(j.get<std::string>(), false) == j.get<std::string>();
    if (t == "upper") return j.is_string() && mapCase(j.get<std::string>(), true) == j.get<std::string>();
    if (a.pos.empty())
        typeError(line, "test '" + t + "' needs an argument");
    const Value& o = a.pos[0];
    if (t == "divisibleby") {
        const int64_t d = toInt(o, line);
        return d != 0 && (d == -1 || toInt(v, line) % d == 0); // x % -1 overflows for INT64_MIN
    }
    if (t == "equalto" || t == "eq" || t == "==" || t == "sameas") return !o.undefined && pyEquals(j, o.j);
    if (t == "ne" || t == "!=") return o.undefined || !pyEquals(j, o.j);
    if (t == "in") {
        if (o.j.is_array()) return std::any_of(o.j.begin(), o.j.end(), [&](const Json& x) { return pyEquals(x, j); });
        if (o.j.is_string() && j.is_string()) return o.j.get<std::string>().find(j.get<std::string>()) != std::string::npos;
        if (o.j.is_object() && j.is_string()) return o.j.contains(j.get<std::string>());
        return false;
    }
    const double x = toNumber(v, line), y = toNumber(o, line);
    if (t == "lt" || t == "<") return x < y;
    if (t == "gt" || t == ">") return x > y;
    if (t == "le" || t == "<=") return x <= y;
    if (t == "ge" || t == ">=") return x >= y;
    typeError(line, "test '" + t + "' is not implemented");
}

Value applyFilter(const std::string& f, const Value& v, const Args& a, int line)
{
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
        const int64_t indentValue = ind && !ind->j.is_null() ? toInt(*ind, line) : -1;
        if (indentValue > 1024)
            typeError(line, "tojson indent " + std::to_string(indentValue) + " is beyond 1024");
        const int indent = static_cast<int>(std::max<int64_t>(indentValue, -1));
        std::string itemSep = indent >= 0 ? "," : ", ", keySep = ": ";
        if (seps && seps->j.is_array() && seps->j.size() == 2 && seps->j[0].is_string() && seps->j[1].is_string())
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
            checkStringSize(out.size(), line, "join's result");
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
        if (j.is_number_float()) {
            const double d = j.get<double>();
            if (!(std::fabs(d) < 9.2e18)) // NaN, inf, or beyond int64: Python has bigints, HeadScope refuses
                typeError(line, "int() of " + toStr(v) + " is outside the 64-bit integer range");
            return Value(Json(static_cast<int64_t>(d)));
        }
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
    if (f == "abs") {
        if (isInt(v) && toInt(v, line) == std::numeric_limits<int64_t>::min())
            typeError(line, "integer overflow in abs()");
        return isInt(v) ? Value(Json(std::llabs(toInt(v, line)))) : Value(Json(std::fabs(toNumber(v, line))));
    }
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
                acc = isInt(acc) && (n.is_number_integer() || n.is_number_unsigned()) ? Value(Json(checkedArith('+', toInt(acc, line), n.get<int64_t>(), line)))
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
        const int64_t width = w && !w->j.is_string() ? toInt(*w, line) : 4;
        if (width < 0 || width > 1024)
            typeError(line, "indent width " + std::to_string(width) + " is outside 0..1024");
        const std::string pad = w && w->j.is_string() ? w->j.get<std::string>() : std::string(static_cast<std::size_t>(width), ' ');
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
        Args testArgs;
        testArgs.pos.assign(a.pos.begin() + static_cast<std::ptrdiff_t>(std::min(k, a.pos.size())), a.pos.end());
        Json out = Json::array();
        for (const Json& x : iterate(v, line)) {
            Value item = byAttr ? Value(attrOf(x, attr)) : Value(x);
            if (byAttr && (!x.is_object() || attrOf(x, attr).is_null()))
                item = x.is_object() && x.contains(attr) ? Value(Json(x[attr])) : Value::undef();
            const bool pass = testName ? applyTest(toStr(*testName), item, testArgs, line) : truthy(item);
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
        Args rest;
        rest.pos.assign(a.pos.begin() + (a.pos.empty() ? 0 : 1), a.pos.end());
        for (const Json& x : iterate(v, line))
            out.push_back(applyFilter(name, Value(x), rest, line).j);
        return Value(out);
    }
    typeError(line, "filter '" + f + "' is not implemented");
}

} // namespace headscope::jinja
