#include "regex.h"

#include "byte_level.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>
#include <pcre2.h> // PCRE2_CODE_UNIT_WIDTH=8 is set by CMake

namespace headscope::tok {

namespace {
pcre2_code* code(void* p) { return static_cast<pcre2_code*>(p); }
pcre2_match_data* data(void* p) { return static_cast<pcre2_match_data*>(p); }
} // namespace

Regex Regex::fromPattern(const nlohmann::json& pattern, const std::string& source, const std::string& key)
{
    if (pattern.is_object() && pattern.size() == 1) {
        if (pattern.contains("String") && pattern["String"].is_string())
            return Regex(pattern["String"].get<std::string>(), true, source, key);
        if (pattern.contains("Regex") && pattern["Regex"].is_string())
            return Regex(pattern["Regex"].get<std::string>(), false, source, key);
    }
    throw FormatError(source + ": key \"" + key + "\": expected {\"String\": ...} or {\"Regex\": ...}, got " +
                      pattern.dump().substr(0, 120));
}

Regex::Regex(const std::string& pattern, bool literal, const std::string& source, const std::string& key)
{
    if (literal && pattern.empty()) {
        m_emptyLiteral = true; // Hugging Face: an empty string pattern matches nothing
        return;
    }
    int err = 0;
    PCRE2_SIZE offset = 0;
    const uint32_t options = literal ? PCRE2_UTF | PCRE2_LITERAL : PCRE2_UTF | PCRE2_UCP;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &err, &offset, nullptr);
    if (!c) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        throw FormatError(source + ": key \"" + key + "\": regex does not compile at offset " + std::to_string(offset) + ": " +
                          reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); // optional speed-up; PCRE2 interprets when JIT is unavailable
    m_code = c;
    m_match = pcre2_match_data_create_from_pattern(c, nullptr);
}

Regex::~Regex()
{
    if (m_match)
        pcre2_match_data_free(data(m_match));
    if (m_code)
        pcre2_code_free(code(m_code));
}

Regex::Regex(Regex&& o) noexcept : m_code(o.m_code), m_match(o.m_match), m_emptyLiteral(o.m_emptyLiteral)
{
    o.m_code = o.m_match = nullptr;
}

Regex& Regex::operator=(Regex&& o) noexcept
{
    if (this != &o) {
        std::swap(m_code, o.m_code);
        std::swap(m_match, o.m_match);
        m_emptyLiteral = o.m_emptyLiteral;
    }
    return *this;
}

std::vector<Span> Regex::findMatches(std::string_view text) const
{
    std::vector<Span> out;
    if (text.empty()) {
        out.push_back({0, 0, false});
        return out;
    }
    if (m_emptyLiteral) {
        out.push_back({0, text.size(), false});
        return out;
    }
    std::size_t prev = 0, searchFrom = 0;
    bool haveLast = false;
    std::size_t lastMatchEnd = 0;
    while (searchFrom <= text.size()) {
        const int rc = pcre2_match(code(m_code), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), searchFrom,
                                   PCRE2_NO_UTF_CHECK, data(m_match), nullptr);
        if (rc < 0)
            break;
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data(m_match));
        const std::size_t s = ov[0], e = ov[1];
        if (s == e && haveLast && lastMatchEnd == e) {
            // An empty match right after the previous match is skipped (no endless loop).
            if (searchFrom >= text.size())
                break;
            nextCodepoint(text, searchFrom);
            continue;
        }
        searchFrom = e;
        haveLast = true;
        lastMatchEnd = e;
        if (prev != s)
            out.push_back({prev, s, false});
        out.push_back({s, e, true});
        prev = e;
    }
    if (prev != text.size())
        out.push_back({prev, text.size(), false});
    return out;
}

std::string Regex::replaceAll(std::string_view text, const std::string& content) const
{
    std::string out;
    out.reserve(text.size());
    for (const Span& s : findMatches(text)) {
        if (s.isMatch)
            out += content;
        else
            out.append(text.substr(s.start, s.end - s.start));
    }
    return out;
}

} // namespace headscope::tok
