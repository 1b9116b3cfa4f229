#pragma once
// The patterns of tokenizer.json ({"String": s} or {"Regex": r}) compiled with PCRE2 (UTF +
// Unicode properties; a String is matched literally), and the match list Hugging Face's
// Pattern::find_matches produces: contiguous (start, end, isMatch) spans covering the text,
// with empty matches kept (they still split) except one directly after a previous match.
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::tok {

struct Span {
    std::size_t start, end;
    bool isMatch;
};

class Regex {
public:
    // Compiles a pattern object; `key` names it in error messages ("pre_tokenizer.pattern").
    static Regex fromPattern(const nlohmann::json& pattern, const std::string& source, const std::string& key);
    // A regular expression (literal = false) or a literal string.
    Regex(const std::string& pattern, bool literal, const std::string& source, const std::string& key);
    ~Regex();
    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // `text` must be valid UTF-8.
    std::vector<Span> findMatches(std::string_view text) const;
    // Every match replaced by `content` (the Replace normalizer and decoder).
    std::string replaceAll(std::string_view text, const std::string& content) const;
    bool empty() const { return m_emptyLiteral; }

private:
    void* m_code = nullptr;  // pcre2_code*
    void* m_match = nullptr; // pcre2_match_data*
    bool m_emptyLiteral = false;
};

} // namespace headscope::tok
