#pragma once
// Unicode operations the tokenizer.json normalizers need, through utf8proc: the four
// normalization forms, per-code-point lowercasing, removal of combining marks, White_Space,
// and turning arbitrary bytes into valid UTF-8 the way Rust's from_utf8_lossy does.
#include <cstdint>
#include <string>
#include <string_view>

namespace headscope::tok {

enum class NormalForm { NFC, NFD, NFKC, NFKD };

// `text` must be valid UTF-8 (see toValidUtf8).
std::string normalizeUnicode(std::string_view text, NormalForm form);
// Lowercases code point by code point, like Rust's char::to_lowercase (U+0130 becomes "i" + U+0307;
// no context-dependent final sigma), which is what Hugging Face's Lowercase normalizer does.
std::string lowercase(std::string_view text);
// Drops code points of general category Mark (Mn, Mc, Me), as the StripAccents normalizer does.
std::string stripMarks(std::string_view text);
// The Unicode White_Space property (Rust's char::is_whitespace).
bool isWhiteSpace(uint32_t codepoint);
bool isNumeric(uint32_t codepoint); // general category Nd, Nl or No (Rust's char::is_numeric)
bool isWordChar(uint32_t codepoint); // regex \w: letter, mark, digit, connector punctuation
// Removes White_Space from the left and/or right end.
std::string stripWhiteSpace(std::string_view text, bool left, bool right);

bool isValidUtf8(std::string_view bytes);
// Replaces each maximal invalid subsequence by U+FFFD (Rust's String::from_utf8_lossy).
std::string toValidUtf8(std::string_view bytes);

} // namespace headscope::tok
