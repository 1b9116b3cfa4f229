#pragma once
// tokenizer.json's "pre_tokenizer": splits normalized text into the pieces BPE sees.
// Implemented: Split (String or Regex pattern; behaviors Removed, Isolated, MergedWithPrevious,
// MergedWithNext, Contiguous; invert), ByteLevel (add_prefix_space, use_regex), Metaspace
// (prepend_scheme always/first/never, split), Digits, Sequence. Any other type is refused by
// name when the file is loaded.
#include "regex.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::tok {

struct Piece {
    std::string text;
    bool atOrigin; // starts at offset 0 of the original input (Metaspace "first")
};

class PreTokenizer {
public:
    PreTokenizer(const nlohmann::json& spec, const std::string& source);
    ~PreTokenizer();
    PreTokenizer(PreTokenizer&&) noexcept;
    PreTokenizer& operator=(PreTokenizer&&) noexcept;

    // Pieces of one normalized stretch (valid UTF-8); empty pieces are dropped.
    std::vector<std::string> split(std::string_view normalized, bool atOrigin) const;
    bool byteLevel() const { return m_byteLevel; }

private:
    struct Step;
    void add(const nlohmann::json& spec, const std::string& source, const std::string& key);
    std::vector<std::unique_ptr<Step>> m_steps;
    bool m_byteLevel = false;
};

} // namespace headscope::tok
