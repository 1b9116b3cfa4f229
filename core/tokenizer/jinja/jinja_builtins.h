#pragma once
// Filters, tests, global functions and methods of the chat-template Jinja subset, and the
// Python value helpers they share with the evaluator (jinja_render.cpp).
#include "jinja_ast.h"

#include <map>
#include <string>
#include <vector>

namespace headscope::jinja {

// Bounds on what a template may make the renderer do (docs/input_limits.md). A chat template
// comes with a downloaded checkpoint, so nesting that would overflow the stack, loops and
// recursion that would not end, and values that would exhaust memory are refused as
// FormatErrors. Real templates stay far below each: a few levels of nesting, a few thousand
// evaluation steps per message, prompts of a few MB.
namespace limits {
inline constexpr int kMaxNesting = 100;                       // expression and block nesting, parse time
inline constexpr int kMaxValueDepth = 256;                    // lists and dicts a template builds
inline constexpr int kMaxMacroDepth = 50;                     // macro calls active at once
inline constexpr int64_t kMaxSteps = 1'000'000;               // nodes executed, expressions evaluated, loop rounds
inline constexpr std::size_t kMaxStringBytes = 16u << 20;     // any string value, and the output
inline constexpr std::size_t kMaxBuiltBytes = 4 * kMaxStringBytes; // the strings in one list or dict a template builds
inline constexpr std::size_t kMaxListItems = 1u << 20;        // any list value (range() included)
} // namespace limits

// Throws FormatError "line N: <what> would be <n> bytes, beyond the limit of ..." past kMaxStringBytes.
void checkStringSize(std::size_t bytes, int line, const char* what);

// Call arguments: positional, then keywords; at(i, name) finds either.
struct Args {
    std::vector<Value> pos;
    std::map<std::string, Value> kw;
    const Value* at(std::size_t i, const char* name) const;
};

[[noreturn]] void typeError(int line, const std::string& what); // FormatError "line N: ..."
std::string typeName(const Value& v);                             // Python's type names: str, int, list, ...
int64_t toInt(const Value& v, int line);
double toNumber(const Value& v, int line);
bool isInt(const Value& v);
int64_t floorDiv(int64_t a, int64_t b);
// a + b, a - b, a * b, a ** b on 64-bit integers; FormatError on overflow (Python's integers are
// unbounded, so there is no wrapped result that would be right).
int64_t checkedArith(char op, int64_t a, int64_t b, int line);
std::vector<Json> iterate(const Value& v, int line); // list items, dict keys, string code points

bool isGlobal(const std::string& name); // the functions transformers' environment defines
Value callGlobal(const std::string& name, const Args& a, int line);
Value callMethod(const Value& obj, const std::string& name, const Args& a, int line);
bool applyTest(const std::string& name, const Value& v, const Args& a, int line);
Value applyFilter(const std::string& name, const Value& v, const Args& a, int line);

// jinja_strings.cpp
std::string mapCase(const std::string& s, bool upper);
uint32_t firstCodepoint(const std::string& c);
std::string pyStrip(const std::string& s, const Value* chars, bool left, bool right);
std::vector<std::string> pySplit(const std::string& s, const Value* sep, int64_t maxsplit);
std::string pyReplace(const std::string& s, const std::string& a, const std::string& b, int64_t count);
std::string titleCase(const std::string& s, bool firstOnly); // str.title() / str.capitalize()
std::string jinjaTitle(const std::string& s);                 // Jinja's title filter

} // namespace headscope::jinja
