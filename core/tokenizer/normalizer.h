#pragma once
// tokenizer.json's "normalizer": a list of steps applied in order to each stretch of text
// between added tokens. Implemented: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents,
// Replace (String or Regex pattern), Prepend, Sequence. Any other type is refused by name when
// the file is loaded, never skipped.
#include "regex.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::tok {

class Normalizer {
public:
    // `spec` is the "normalizer" value (null: no normalization).
    Normalizer(const nlohmann::json& spec, const std::string& source);
    ~Normalizer();
    Normalizer(Normalizer&&) noexcept;
    Normalizer& operator=(Normalizer&&) noexcept;

    // `text` must be valid UTF-8; so is the result.
    std::string normalize(std::string_view text) const;
    bool isIdentity() const { return m_steps.empty(); }

private:
    struct Step;
    void add(const nlohmann::json& spec, const std::string& source, const std::string& key);
    std::vector<std::unique_ptr<Step>> m_steps;
};

} // namespace headscope::tok
