#include "unicode_text.h"

#include "byte_level.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace headscope::tok {

namespace {

bool isAscii(std::string_view s)
{
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80)
            return false;
    return true;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid; `consumed` is the length
// of the maximal invalid subpart to replace when it is.
std::size_t validSequence(std::string_view s, std::size_t i, std::size_t& consumed)
{
    const auto b = static_cast<unsigned char>(s[i]);
    consumed = 1;
    if (b < 0x80)
        return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
    if (b >= 0xc2 && b <= 0xdf) {
        len = 2;
    } else if (b == 0xe0) {
        len = 3, lo = 0xa0;
    } else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) {
        len = 3;
    } else if (b == 0xed) {
        len = 3, hi = 0x9f;
    } else if (b == 0xf0) {
        len = 4, lo = 0x90;
    } else if (b >= 0xf1 && b <= 0xf3) {
        len = 4;
    } else if (b == 0xf4) {
        len = 4, hi = 0x8f;
    } else {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        if (i + k >= s.size())
            return 0;
        const auto c = static_cast<unsigned char>(s[i + k]);
        const bool ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xbf);
        if (!ok)
            return 0;
        consumed = k + 1;
    }
    return len;
}

struct FreeDeleter {
    void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

} // namespace

bool isValidUtf8(std::string_view bytes)
{
    std::size_t consumed = 0;
    for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t len = validSequence(bytes, i, consumed);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

std::string toValidUtf8(std::string_view bytes)
{
    if (isValidUtf8(bytes))
        return std::string(bytes);
    std::string out;
    out.reserve(bytes.size() + 8);
    std::size_t consumed = 0;
    for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t len = validSequence(bytes, i, consumed);
        if (len == 0) {
            out += "\xef\xbf\xbd";
            i += consumed;
        } else {
            out.append(bytes.substr(i, len));
            i += len;
        }
    }
    return out;
}

std::string normalizeUnicode(std::string_view text, NormalForm form)
{
    if (isAscii(text))
        return std::string(text); // every normal form of ASCII is itself
    int options = UTF8PROC_STABLE;
    switch (form) {
    case NormalForm::NFC: options |= UTF8PROC_COMPOSE; break;
    case NormalForm::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case NormalForm::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalForm::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    }
    utf8proc_uint8_t* raw = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()), &raw,
                     static_cast<utf8proc_option_t>(options));
    std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
    if (n < 0) // only on invalid UTF-8 or out of memory; callers pass valid UTF-8
        return std::string(text);
    return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(n));
}

std::string lowercase(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const uint32_t cp = nextCodepoint(text, i);
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        } else if (cp == 0x130) { // the one unconditional multi-code-point lowercase mapping
            out += "i\xcc\x87";
        } else {
            appendUtf8(out, static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
        }
    }
    return out;
}

std::string stripMarks(std::string_view text)
{
    if (isAscii(text))
        return std::string(text);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = i;
        const uint32_t cp = nextCodepoint(text, i);
        const utf8proc_category_t c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
        if (c != UTF8PROC_CATEGORY_MN && c != UTF8PROC_CATEGORY_MC && c != UTF8PROC_CATEGORY_ME)
            out.append(text.substr(start, i - start));
    }
    return out;
}

bool isWhiteSpace(uint32_t c)
{
    return (c >= 0x9 && c <= 0xd) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

bool isNumeric(uint32_t c)
{
    const utf8proc_category_t k = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
}

bool isWordChar(uint32_t c)
{
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_PC:
        return true;
    default:
        return false;
    }
}

std::string stripWhiteSpace(std::string_view text, bool left, bool right)
{
    std::size_t begin = 0, end = text.size();
    if (left) {
        while (begin < end) {
            std::size_t next = begin;
            if (!isWhiteSpace(nextCodepoint(text, next)))
                break;
            begin = next;
        }
    }
    if (right) {
        while (end > begin) {
            std::size_t start = end - 1;
            while (start > begin && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80)
                --start;
            std::size_t probe = start;
            if (!isWhiteSpace(nextCodepoint(text, probe)))
                break;
            end = start;
        }
    }
    return std::string(text.substr(begin, end - begin));
}

} // namespace headscope::tok
