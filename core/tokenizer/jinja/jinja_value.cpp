// Values of the chat-template Jinja subset with Python's semantics: truthiness, str(),
// repr() inside containers, float formatting, equality, and json.dumps for tojson.
#include "jinja_ast.h"
#include "jinja_builtins.h" // checkStringSize

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace headscope::jinja {

namespace {

uint32_t decodeAt(const std::string& s, std::size_t& i)
{
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 1;
    if (i + len > s.size())
        len = 1;
    uint32_t cp = len == 1 ? b : b & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += len;
    return cp;
}

std::string jsonString(const std::string& s, bool ensureAscii)
{
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const uint32_t cp = decodeAt(s, i);
        char buf[16];
        switch (cp) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (cp < 0x20 || (ensureAscii && cp >= 0x7f)) {
                if (cp >= 0x10000) {
                    const uint32_t v = cp - 0x10000;
                    std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
                } else {
                    std::snprintf(buf, sizeof buf, "\\u%04x", cp);
                }
                out += buf;
            } else {
                out.append(s, start, i - start);
            }
        }
    }
    return out + "\"";
}

void dump(const Json& j, int indent, bool sortKeys, bool ensureAscii, const std::string& itemSep, const std::string& keySep,
          int level, std::string& out)
{
    const std::string pad = indent >= 0 ? "\n" + std::string(static_cast<std::size_t>(indent * (level + 1)), ' ') : "";
    const std::string closePad = indent >= 0 ? "\n" + std::string(static_cast<std::size_t>(indent * level), ' ') : "";
    switch (j.type()) {
    case Json::value_t::null: out += "null"; break;
    case Json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; break;
    case Json::value_t::number_integer: out += std::to_string(j.get<int64_t>()); break;
    case Json::value_t::number_unsigned: out += std::to_string(j.get<uint64_t>()); break;
    case Json::value_t::number_float: {
        const double d = j.get<double>();
        out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : pyFloat(d);
        break;
    }
    case Json::value_t::string: out += jsonString(j.get<std::string>(), ensureAscii); break;
    case Json::value_t::array:
        if (j.empty()) {
            out += "[]";
            break;
        }
        out += "[";
        for (std::size_t i = 0; i < j.size(); ++i) {
            if (i)
                out += itemSep;
            out += pad;
            dump(j[i], indent, sortKeys, ensureAscii, itemSep, keySep, level + 1, out);
            checkStringSize(out.size(), 0, "a printed value");
        }
        out += closePad + "]";
        break;
    case Json::value_t::object: {
        if (j.empty()) {
            out += "{}";
            break;
        }
        std::vector<std::string> keys;
        for (const auto& [k, v] : j.items())
            keys.push_back(k);
        if (sortKeys)
            std::sort(keys.begin(), keys.end());
        out += "{";
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (i)
                out += itemSep;
            out += pad + jsonString(keys[i], ensureAscii) + keySep;
            dump(j[keys[i]], indent, sortKeys, ensureAscii, itemSep, keySep, level + 1, out);
            checkStringSize(out.size(), 0, "a printed value");
        }
        out += closePad + "}";
        break;
    }
    default: out += "null"; break;
    }
}

} // namespace

bool pyIsSpace(uint32_t c)
{
    return (c >= 0x9 && c <= 0xd) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

std::vector<std::string> codepoints(const std::string& s)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        decodeAt(s, i);
        out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool truthy(const Value& v)
{
    if (v.undefined)
        return false;
    if (v.macro || !v.builtin.empty())
        return true;
    const Json& j = v.j;
    switch (j.type()) {
    case Json::value_t::null: return false;
    case Json::value_t::boolean: return j.get<bool>();
    case Json::value_t::number_integer: return j.get<int64_t>() != 0;
    case Json::value_t::number_unsigned: return j.get<uint64_t>() != 0;
    case Json::value_t::number_float: return j.get<double>() != 0.0;
    case Json::value_t::string: return !j.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object: return !j.empty();
    default: return false;
    }
}

std::string pyFloat(double d)
{
    if (std::isnan(d))
        return "nan";
    if (std::isinf(d))
        return d > 0 ? "inf" : "-inf";
    char buf[64];
    // Shortest round-trip digits, then Python's repr layout: fixed for 1e-4 <= |d| < 1e16.
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const auto e = sci.find('e');
    std::string mantissa = sci.substr(0, e);
    const int exp = std::stoi(sci.substr(e + 1));
    const bool negative = mantissa[0] == '-';
    if (negative)
        mantissa.erase(0, 1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.')
            digits.push_back(c);
    std::string out;
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
        } else if (static_cast<int>(digits.size()) <= exp + 1) {
            out = digits + std::string(static_cast<std::size_t>(exp + 1) - digits.size(), '0') + ".0";
        } else {
            out = digits.substr(0, static_cast<std::size_t>(exp + 1)) + "." + digits.substr(static_cast<std::size_t>(exp + 1));
        }
    } else {
        out = digits.substr(0, 1);
        if (digits.size() > 1)
            out += "." + digits.substr(1);
        char ebuf[16];
        std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
        out += ebuf;
    }
    return (negative ? "-" : "") + out;
}

std::string pyRepr(const Json& j)
{
    switch (j.type()) {
    case Json::value_t::null: return "None";
    case Json::value_t::boolean: return j.get<bool>() ? "True" : "False";
    case Json::value_t::number_integer: return std::to_string(j.get<int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(j.get<uint64_t>());
    case Json::value_t::number_float: return pyFloat(j.get<double>());
    case Json::value_t::string: {
        const std::string& s = j.get_ref<const std::string&>();
        const char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
        std::string out(1, q);
        for (char c : s) {
            if (c == q || c == '\\')
                out += '\\', out += c;
            else if (c == '\n')
                out += "\\n";
            else if (c == '\r')
                out += "\\r";
            else if (c == '\t')
                out += "\\t";
            else
                out += c;
        }
        return out + q;
    }
    case Json::value_t::array: {
        std::string out = "[";
        for (std::size_t i = 0; i < j.size(); ++i) {
            out += (i ? ", " : "") + pyRepr(j[i]);
            checkStringSize(out.size(), 0, "a printed value");
        }
        return out + "]";
    }
    case Json::value_t::object: {
        std::string out = "{";
        bool first = true;
        for (const auto& [k, v] : j.items()) {
            out += (first ? "" : ", ") + pyRepr(Json(k)) + ": " + pyRepr(v);
            first = false;
            checkStringSize(out.size(), 0, "a printed value");
        }
        return out + "}";
    }
    default: return "None";
    }
}

std::string toStr(const Value& v)
{
    if (v.undefined)
        return "";
    if (v.macro)
        return "<macro " + v.macro->name + ">";
    if (!v.builtin.empty())
        return "<built-in function " + v.builtin + ">";
    if (v.j.is_string())
        return v.j.get<std::string>();
    return pyRepr(v.j);
}

std::string toJson(const Json& j, int indent, bool sortKeys, bool ensureAscii, const std::string& itemSep, const std::string& keySep)
{
    std::string out;
    dump(j, indent, sortKeys, ensureAscii, itemSep, keySep, 0, out);
    return out;
}

bool pyEquals(const Json& a, const Json& b)
{
    if (a.is_number() && b.is_number()) {
        if (a.is_number_float() || b.is_number_float())
            return a.get<double>() == b.get<double>();
        return a.get<int64_t>() == b.get<int64_t>();
    }
    if (a.is_boolean() && b.is_number())
        return (a.get<bool>() ? 1 : 0) == b.get<double>();
    if (b.is_boolean() && a.is_number())
        return (b.get<bool>() ? 1 : 0) == a.get<double>();
    if (a.type() != b.type())
        return false;
    if (a.is_array()) {
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!pyEquals(a[i], b[i]))
                return false;
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size())
            return false;
        for (const auto& [k, v] : a.items())
            if (!b.contains(k) || !pyEquals(v, b[k]))
                return false;
        return true;
    }
    return a == b;
}

} // namespace headscope::jinja
