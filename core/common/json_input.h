#pragma once
// The one way core parses JSON input: score files, budget files, config.json, tokenizer.json,
// safetensors headers and shard indexes, needle lines, session and sweep manifests. (Files are
// read by readFileBytes, headscope/core/file_read.h: a missing path, a directory or an unreadable
// file is a LoadError naming the path and the cause.)
//  * Depth: nesting is counted by a flat scan before nlohmann parses anything, so text nested
//    50 000 levels deep is a FormatError at a byte offset, never a stack overflow in a later
//    recursive walk (dump, copy, comparison).
//  * Syntax errors are FormatErrors naming the source, line and column, without nlohmann's
//    "[json.exception...]" prefix; a top-level value of the wrong kind is named ("an array").
// Private to core: json.hpp stays out of public headers.
#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::json_input {

// No HeadScope input nests deeper than a handful of levels (tokenizer.json's normalizer
// sequences are the deepest, about eight); the bound only has to stop hostile input.
inline constexpr int kMaxDepth = 128;

// Throws FormatError("<source>: JSON nested deeper than <maxDepth> levels (at byte N)") when
// any array/object nesting in `text` exceeds maxDepth. Strings are skipped, so brackets in
// strings do not count. Linear time, constant stack.
void checkDepth(std::string_view text, const std::string& source, int maxDepth = kMaxDepth);

// checkDepth, then parse. Syntax errors → FormatError("<source>: not valid JSON: parse error at
// line L, column C: ...").
nlohmann::json parse(std::string_view text, const std::string& source);
// Object keys in file order, which the parsed value (a sorted map) no longer shows, for the
// first two object levels; and the first key that appears twice in one object, which the parsed
// value keeps only once. (nlohmann::ordered_json keeps order itself but looks keys up linearly:
// quadratic time on a file with a million keys.)
struct KeyOrder {
    std::vector<std::string> top;                             // keys of the top-level object
    std::map<std::string, std::vector<std::string>> nested;   // for a top-level key holding an object: its keys
    std::string firstDuplicate;                               // "" when every object's keys are distinct
};
// parse, also filling `order`.
nlohmann::json parse(std::string_view text, const std::string& source, KeyOrder& order);

// readFileBytes + parse + requireObject: the common case of a file holding one JSON object.
nlohmann::json readObjectFile(const std::filesystem::path& file, std::string_view what);

// "an object", "an array", "null", "a string", "a number", "true or false", for messages.
std::string kindName(const nlohmann::json& value);

// Throws FormatError("<source>: expected a JSON object at the top level (<what>), got an array").
void requireObject(const nlohmann::json& value, const std::string& source, std::string_view what);

} // namespace headscope::json_input
