#pragma once
// GPT-2's reversible byte ↔ printable-code-point table used by byte-level BPE: every byte
// becomes one visible character (space → "Ġ", newline → "Ċ"), so vocab pieces are text.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace headscope::tok {

class ByteLevelTable {
public:
    static const ByteLevelTable& instance();

    // Raw bytes → the UTF-8 encoding of their mapped code points.
    std::string encode(std::string_view bytes) const;
    // Inverse; characters outside the table are passed through as UTF-8.
    std::string decode(std::string_view mapped) const;
    // Inverse, or nothing when any character is outside the table.
    std::optional<std::string> decodeStrict(std::string_view mapped) const;
    // The mapped character of one byte (space → "Ġ").
    const std::string& symbol(uint8_t byte) const { return m_byteToUtf8[byte]; }

private:
    ByteLevelTable();
    std::array<std::string, 256> m_byteToUtf8;
    std::unordered_map<uint32_t, uint8_t> m_codepointToByte;
};

// UTF-8 helpers shared by the tokenizer files.
void appendUtf8(std::string& out, uint32_t codepoint);
// Decodes the code point starting at text[i] and advances i; invalid bytes yield U+FFFD.
uint32_t nextCodepoint(std::string_view text, std::size_t& i);
std::size_t utf8Length(unsigned char lead);

} // namespace headscope::tok
