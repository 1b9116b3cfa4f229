#pragma once
// The few Python str operations the reference scorers (LongBench, RULER, the rouge package) are
// written with, with Python 3's semantics on UTF-8 text: str.split() with no argument,
// str.lower(), the \b and \w of the re module, and `in` (substring). Private to core/scoring/.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::pytext {

// UTF-8 → code points; invalid bytes become U+FFFD (as Python's errors="replace" decoding).
std::u32string decode(std::string_view utf8);
std::string encode(std::u32string_view text);

// str.isspace() of one character: the White_Space property plus U+001C..U+001F.
bool isSpace(char32_t c);
// re's \w on str patterns: str.isalnum() or '_'.
bool isWordChar(char32_t c);
// str.isdigit() restricted to what \d matches in re (general category Nd).
bool isDecimal(char32_t c);

// str.lower(): per-code-point lowercase (U+0130 → "i" U+0307), no final-sigma context.
std::u32string lower(std::u32string_view text);
std::string lower(std::string_view utf8);

// str.split() with no argument: runs of whitespace separate, ends ignored, no empty items.
std::vector<std::string> splitWhitespace(std::string_view utf8);
// str.strip() with no argument.
std::string strip(std::string_view utf8);

} // namespace headscope::pytext
