#include "jinja_lexer.h"

#include "tokenizer/byte_level.h"

#include "headscope/core/errors.h"

#include <cctype>
#include <cstdlib>

namespace headscope::jinja {

[[noreturn]] void syntaxError(int line, const std::string& what)
{
    throw FormatError("line " + std::to_string(line) + ": " + what);
}

// ---- Tags -------------------------------------------------------------------------------

namespace {

// Line of `pos`. Tags are scanned front to back, so counting resumes where the previous call
// stopped: linear in the template, not quadratic (a template of many small tags).
int lineAt(std::string_view src, std::size_t pos)
{
    thread_local const char* lastSrc = nullptr;
    thread_local std::size_t lastPos = 0;
    thread_local int lastLine = 1;
    if (src.data() != lastSrc || pos < lastPos)
        lastSrc = src.data(), lastPos = 0, lastLine = 1;
    for (; lastPos < pos && lastPos < src.size(); ++lastPos)
        lastLine += src[lastPos] == '\n';
    return lastLine;
}

} // namespace

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
                        tok::appendUtf8(v, cp);
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

} // namespace headscope::jinja
