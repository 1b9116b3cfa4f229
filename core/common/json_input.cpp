#include "common/json_input.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"

#include <nlohmann/json.hpp>

#include <set>
#include <vector>

namespace headscope::json_input {

namespace fs = std::filesystem;

void checkDepth(std::string_view text, const std::string& source, int maxDepth)
{
    // The same string rule as the JSON lexer: a string starts at '"' outside strings, a
    // backslash escapes the next byte, the next unescaped '"' ends it. Text that breaks the
    // rule fails to parse before the parser gets deeper than this count.
    int depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"': inString = true; break;
        case '[':
        case '{':
            if (++depth > maxDepth)
                throw FormatError(source + ": JSON nested deeper than " + std::to_string(maxDepth) + " levels (at byte " +
                                  std::to_string(i) + "); refusing to read it");
            break;
        case ']':
        case '}':
            if (depth > 0)
                --depth;
            break;
        default: break;
        }
    }
}

namespace {

// nlohmann's what() starts with "[json.exception.parse_error.101] "; the user needs the rest.
std::string cleanMessage(const nlohmann::json::exception& e)
{
    std::string_view m = e.what();
    if (m.rfind("[json.exception.", 0) == 0) {
        const auto close = m.find("] ");
        if (close != std::string_view::npos)
            m.remove_prefix(close + 2);
    }
    return std::string(m);
}

std::string kindOf(const nlohmann::json& v)
{
    switch (v.type()) {
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "true or false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "a number";
    case nlohmann::json::value_t::binary: return "binary data";
    case nlohmann::json::value_t::discarded: return "nothing";
    }
    return "an unknown value";
}

void requireObjectImpl(const nlohmann::json& v, const std::string& source, std::string_view what)
{
    if (!v.is_object())
        throw FormatError(source + ": expected a JSON object at the top level (" + std::string(what) + "), got " +
                          kindOf(v));
}

} // namespace

nlohmann::json parse(std::string_view text, const std::string& source)
{
    checkDepth(text, source);
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(source + ": not valid JSON: " + cleanMessage(e));
    }
}

nlohmann::json parse(std::string_view text, const std::string& source, KeyOrder& order)
{
    checkDepth(text, source);
    order = KeyOrder();
    // One frame per open array or object. A frame's `section` is the top-level key an object is
    // the direct value of (only for second-level objects), `pending` the key just read.
    struct Frame {
        bool isArray = false;
        const std::string* section = nullptr;
        std::string pending;
        std::set<std::string> seen;
    };
    std::vector<Frame> stack;
    using E = nlohmann::json::parse_event_t;
    auto callback = [&](int, E event, nlohmann::json& parsed) {
        switch (event) {
        case E::object_start:
        case E::array_start: {
            Frame f;
            f.isArray = event == E::array_start;
            if (!f.isArray && stack.size() == 1 && !stack.front().isArray)
                f.section = &order.nested.try_emplace(stack.front().pending).first->first;
            stack.push_back(std::move(f));
            break;
        }
        case E::object_end:
        case E::array_end:
            if (!stack.empty())
                stack.pop_back();
            break;
        case E::key: {
            Frame& f = stack.back();
            f.pending = parsed.get<std::string>();
            if (!f.seen.insert(f.pending).second && order.firstDuplicate.empty())
                order.firstDuplicate = f.pending;
            if (stack.size() == 1)
                order.top.push_back(f.pending);
            else if (stack.size() == 2 && f.section)
                order.nested[*f.section].push_back(f.pending);
            break;
        }
        case E::value: break;
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(source + ": not valid JSON: " + cleanMessage(e));
    }
}

nlohmann::json readObjectFile(const fs::path& file, std::string_view what)
{
    const std::string source = file.string();
    nlohmann::json j = parse(readFileBytes(file), source);
    requireObject(j, source, what);
    return j;
}

std::string kindName(const nlohmann::json& value)
{
    return kindOf(value);
}

void requireObject(const nlohmann::json& value, const std::string& source, std::string_view what)
{
    requireObjectImpl(value, source, what);
}

} // namespace headscope::json_input
