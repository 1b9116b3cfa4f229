#include "common/json_input.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace headscope::json_input {

namespace fs = std::filesystem;

std::string readFile(const fs::path& file, std::string_view what)
{
    const std::string name = file.string();
    const std::string expected = " (expected " + std::string(what) + ")";
    std::error_code ec;
    const fs::file_status st = fs::status(file, ec);
    if (st.type() == fs::file_type::not_found)
        throw LoadError(name + ": not found" + expected);
    if (st.type() == fs::file_type::directory)
        throw LoadError(name + ": is a directory" + expected);
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw LoadError(name + ": cannot open" + (errno ? std::string(": ") + std::strerror(errno) : std::string()) +
                        expected);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad() || text.bad())
        throw LoadError(name + ": read failed" + expected);
    return std::move(text).str();
}

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

template <typename Json>
std::string kindOf(const Json& v)
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

template <typename Json>
void requireObjectImpl(const Json& v, const std::string& source, std::string_view what)
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

nlohmann::ordered_json parseOrdered(std::string_view text, const std::string& source, std::string* firstDuplicateKey)
{
    checkDepth(text, source);
    if (firstDuplicateKey)
        firstDuplicateKey->clear();
    // Keys seen so far in each open object; only kept when duplicates are asked for.
    std::vector<std::set<std::string>> keyStack;
    auto callback = [&](int, nlohmann::ordered_json::parse_event_t event, nlohmann::ordered_json& parsed) {
        using E = nlohmann::ordered_json::parse_event_t;
        if (!firstDuplicateKey)
            return true;
        if (event == E::object_start) {
            keyStack.emplace_back();
        } else if (event == E::object_end && !keyStack.empty()) {
            keyStack.pop_back();
        } else if (event == E::key && !keyStack.empty()) {
            const auto& k = parsed.template get_ref<const std::string&>();
            if (!keyStack.back().insert(k).second && firstDuplicateKey->empty())
                *firstDuplicateKey = k;
        }
        return true;
    };
    try {
        return nlohmann::ordered_json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(source + ": not valid JSON: " + cleanMessage(e));
    }
}

nlohmann::json readObjectFile(const fs::path& file, std::string_view what)
{
    const std::string source = file.string();
    nlohmann::json j = parse(readFile(file, what), source);
    requireObject(j, source, what);
    return j;
}

std::string kindName(const nlohmann::json& value)
{
    return kindOf(value);
}

std::string kindName(const nlohmann::ordered_json& value)
{
    return kindOf(value);
}

void requireObject(const nlohmann::json& value, const std::string& source, std::string_view what)
{
    requireObjectImpl(value, source, what);
}

void requireObject(const nlohmann::ordered_json& value, const std::string& source, std::string_view what)
{
    requireObjectImpl(value, source, what);
}

} // namespace headscope::json_input
