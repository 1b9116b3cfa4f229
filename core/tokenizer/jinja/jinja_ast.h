#pragma once
// Syntax tree and values of the chat-template Jinja subset (jinja.h).
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace headscope::jinja {

using Json = nlohmann::ordered_json;

struct Expr {
    enum Kind { Literal, Name, Attr, Item, Slice, Call, Filter, Test, Not, Neg, Binary, Cond, List, Dict };
    Kind kind;
    int line = 0;
    Json literal;                            // Literal
    std::string name;                        // Name, Attr attribute, Filter/Test name, Binary operator
    std::vector<std::unique_ptr<Expr>> args; // operands first, then positional arguments (may hold nullptr: Slice, Cond)
    std::vector<std::pair<std::string, std::unique_ptr<Expr>>> kwargs;
    bool negated = false;                    // "is not"
};
using ExprPtr = std::unique_ptr<Expr>;

struct Node;
using Body = std::vector<Node>;

struct MacroDef {
    std::string name;
    std::vector<std::pair<std::string, ExprPtr>> params; // default may be nullptr
    Body body;
};

struct Node {
    enum Kind { Text, Output, If, For, Set, SetAttr, Macro, Break, Continue };
    Kind kind;
    int line = 0;
    std::string text;                                  // Text; SetAttr attribute
    ExprPtr expr;                                      // Output, Set/SetAttr value, For iterable
    std::vector<std::pair<ExprPtr, Body>> branches;    // If: condition (nullptr for else) and body
    std::vector<std::string> targets;                  // For loop variables, Set names, SetAttr object
    ExprPtr filter;                                    // For ... if filter
    Body body, elseBody;                               // For
    std::shared_ptr<MacroDef> macro;                   // Macro
};

// A runtime value: JSON data, or undefined, or a macro, or a global function (by name).
struct Value {
    Json j;
    bool undefined = false;
    std::shared_ptr<const MacroDef> macro;
    std::string builtin; // "strftime_now", "namespace", ...: defined and callable

    Value() = default;
    Value(Json v) : j(std::move(v)) {}
    static Value undef()
    {
        Value v;
        v.undefined = true;
        return v;
    }
};

// Python-flavoured value helpers (jinja_value.cpp).
bool truthy(const Value& v);
std::string toStr(const Value& v);              // str(): None, True, 1.5, ['a', 1] as Python prints them
std::string pyRepr(const Json& j);              // repr() of a value inside a container
std::string pyFloat(double d);                  // repr(float)
std::string toJson(const Json& j, int indent, bool sortKeys, bool ensureAscii, const std::string& itemSep,
                   const std::string& keySep); // Python's json.dumps
bool pyEquals(const Json& a, const Json& b);
std::vector<std::string> codepoints(const std::string& s); // one UTF-8 string per code point
bool pyIsSpace(uint32_t cp);

} // namespace headscope::jinja

#include "jinja.h"

namespace headscope::jinja {
struct Template::Program {
    Body body;
};
} // namespace headscope::jinja
