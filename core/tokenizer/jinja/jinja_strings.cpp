// Python's str operations the chat-template Jinja subset needs: case mapping (utf8proc),
// strip/split/replace with Python's whitespace and arguments, title and capitalize.
#include "jinja_builtins.h"

#include "headscope/core/errors.h"

#include <utf8proc.h>

#include <algorithm>

namespace headscope::jinja {

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
            checkStringSize(out.size(), 0, "replace's result");
        }
        if (count < 0 || n < count)
            out += b;
        return out;
    }
    for (std::size_t hit; (count < 0 || n < count) && (hit = s.find(a, pos)) != std::string::npos; pos = hit + a.size(), ++n) {
        out.append(s, pos, hit - pos).append(b);
        checkStringSize(out.size(), 0, "replace's result");
    }
    return out + s.substr(pos);
}

namespace {
bool isCased(const std::string& c)
{
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(firstCodepoint(c)));
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}

} // namespace

std::string titleCase(const std::string& s, bool firstOnly)
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
std::string jinjaTitle(const std::string& s)
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

} // namespace headscope::jinja
