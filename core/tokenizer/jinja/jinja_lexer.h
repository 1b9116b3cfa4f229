#pragma once
// Lexer of the chat-template Jinja subset. Whitespace follows transformers' environment:
// "{%-"/"-%}" (and the same on {{ }} and {# #}) strip whitespace on that side; lstrip_blocks
// removes spaces and tabs before a block or comment tag that starts a line; trim_blocks removes
// the first newline after one ("+%}" keeps it).
#include <string>
#include <string_view>
#include <vector>

namespace headscope::jinja {

[[noreturn]] void syntaxError(int line, const std::string& what); // FormatError "line N: ..."
bool isSpace(char c);

// The template as text and tags; comments are gone, whitespace control applied.
struct Tag {
    enum Kind { Text, Expr, Stmt } kind;
    std::string content; // the text, or what is between the delimiters
    int line;
};
std::vector<Tag> splitTags(std::string_view src);

// Tokens of one {{ }} or {% %}: names, string literals (escapes decoded), numbers, operators.
struct Tok {
    enum Kind { Name, String, Int, Float, Op, End } kind;
    std::string text;
};
std::vector<Tok> lex(const std::string& s, int line);

} // namespace headscope::jinja
