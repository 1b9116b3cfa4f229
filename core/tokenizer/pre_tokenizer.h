#pragma once
// tokenizer.json's normalizer and pre-tokenizer, as a pipeline of small steps read from the
// file: Prepend/Replace/NFC normalizers; Split (PCRE2 regex with Unicode classes, "Isolated")
// and ByteLevel pre-tokenizers. Only what Llama-3, Mistral, Qwen2, GPT-2 and NeoX files use.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::tok {

class Regex; // PCRE2 wrapper, pre_tokenizer.cpp

class TextPipeline {
public:
    TextPipeline(const nlohmann::json& normalizer, const nlohmann::json& preTokenizer, const std::string& source);
    ~TextPipeline();
    TextPipeline(TextPipeline&&) noexcept;
    TextPipeline& operator=(TextPipeline&&) noexcept;

    std::string normalize(std::string_view text) const;
    // Splits normalized text into the pieces BPE sees (byte-level mapped when configured).
    std::vector<std::string> preTokenize(std::string_view normalized) const;
    bool byteLevel() const { return m_byteLevel; }

private:
    struct NormStep {
        enum Kind { Prepend, Replace, Nfc } kind;
        std::string a, b;
    };
    std::vector<NormStep> m_norm;
    std::vector<std::unique_ptr<Regex>> m_splits; // applied in order, each "Isolated"
    bool m_byteLevel = false;
};

} // namespace headscope::tok
