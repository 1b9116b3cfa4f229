// Reading `eval`'s input: JSONL in LongBench's or RULER's fields (docs/eval_format.md, "Input").
// Each line is recognised by its fields, so one file may mix both; every error names the file,
// the line and the field, and says what was expected and what was found.
#include "headscope/core/eval_data.h"

#include "common/json_input.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/model_config.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <sstream>

namespace headscope {

namespace {

using json = nlohmann::json;

std::string kind(const json& v)
{
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "true or false";
    case json::value_t::discarded: return "nothing";
    default: return "a number";
    }
}

std::string shown(const json& v)
{
    std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 60)
        text = text.substr(0, 57) + "...";
    return kind(v) + " (" + text + ")";
}

class Line {
public:
    Line(const json& j, std::string where) : m_j(j), m_where(std::move(where)) {}

    bool has(const char* key) const
    {
        const auto it = m_j.find(key);
        return it != m_j.end() && !it->is_null();
    }
    FormatError error(const char* key, const std::string& expected) const
    {
        const auto it = m_j.find(key);
        if (it == m_j.end() || it->is_null())
            return FormatError(m_where + ": missing field \"" + key + "\" (expected " + expected + ")");
        return FormatError(m_where + ": field \"" + key + "\": expected " + expected + ", got " + shown(*it));
    }
    std::string text(const char* key) const
    {
        if (!has(key) || !m_j.at(key).is_string())
            throw error(key, "a string");
        return m_j.at(key).get<std::string>();
    }
    std::string optionalText(const char* key) const { return has(key) ? text(key) : std::string(); }
    // A string, or a number written as its text (RULER's "index", some "_id"s).
    std::string label(const char* key) const
    {
        if (!has(key))
            return {};
        const json& v = m_j.at(key);
        if (v.is_string())
            return v.get<std::string>();
        if (v.is_number_integer())
            return std::to_string(v.get<int64_t>());
        throw error(key, "a string or an integer");
    }
    // A list of strings; numbers are taken as their text (RULER's outputs are sometimes numbers).
    std::vector<std::string> texts(const char* key, bool required) const
    {
        if (!has(key)) {
            if (required)
                throw error(key, "a list of strings");
            return {};
        }
        const json& v = m_j.at(key);
        if (!v.is_array())
            throw error(key, "a list of strings");
        std::vector<std::string> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i].is_string())
                out.push_back(v[i].get<std::string>());
            else if (v[i].is_number_integer())
                out.push_back(std::to_string(v[i].get<int64_t>()));
            else
                throw FormatError(m_where + ": field \"" + key + "\" item " + std::to_string(i) +
                                  ": expected a string, got " + shown(v[i]));
        }
        return out;
    }
    // An integer in [min, max]; a token count is bounded by the longest context a model may have
    // (kMaxModelPositions), so that it also fits the int it is stored in.
    std::optional<int64_t> integer(const char* key, int64_t min, int64_t max = std::numeric_limits<int64_t>::max()) const
    {
        if (!has(key))
            return std::nullopt;
        const json& v = m_j.at(key);
        if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(max)) ||
            v.get<int64_t>() < min || v.get<int64_t>() > max)
            throw error(key, max == std::numeric_limits<int64_t>::max()
                                 ? "an integer ≥ " + std::to_string(min)
                                 : "an integer in " + std::to_string(min) + ".." + std::to_string(max));
        return v.get<int64_t>();
    }

private:
    const json& m_j;
    std::string m_where;
};

std::string keyList(const json& j)
{
    std::string keys;
    for (auto it = j.begin(); it != j.end(); ++it)
        keys += (keys.empty() ? "" : ", ") + it.key();
    return keys.empty() ? "no fields" : "fields " + keys;
}

} // namespace

std::vector<EvalExample> parseEvalJsonl(const std::string& text, const std::string& source)
{
    std::vector<EvalExample> out;
    std::istringstream in(text);
    std::string raw;
    for (int lineNo = 1; std::getline(in, raw); ++lineNo) {
        if (raw.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const std::string where = source + ":" + std::to_string(lineNo);
        const json j = json_input::parse(raw, where); // FormatError "<file>:<line>: not valid JSON: …"
        if (!j.is_object())
            throw FormatError(where + ": expected a JSON object per line, got " + kind(j));
        const Line line(j, where);
        EvalExample ex;
        ex.index = static_cast<int>(out.size());
        ex.line = lineNo;
        const bool longBench = line.has("context") || line.has("answers");
        const bool ruler = line.has("outputs");
        if (longBench == ruler)
            throw FormatError(where + (longBench ? ": has both LongBench's \"answers\"/\"context\" and RULER's \"outputs\""
                                                 : ": neither LongBench's fields (context, input, answers) nor "
                                                   "RULER's (input, outputs); the line has " + keyList(j)));
        ex.format = longBench ? EvalFormat::LongBench : EvalFormat::Ruler;
        ex.input = line.text("input");
        ex.length = line.integer("length", 0);
        ex.maxNewTokens = line.integer("max_new_tokens", 1, kMaxModelPositions);
        if (longBench) {
            ex.context = line.text("context");
            ex.answers = line.texts("answers", true);
            ex.allClasses = line.texts("all_classes", false);
            ex.dataset = line.optionalText("dataset");
            ex.id = line.label("_id");
        } else {
            ex.answers = line.texts("outputs", true);
            ex.answerPrefix = line.optionalText("answer_prefix");
            ex.dataset = line.optionalText("task");
            ex.id = line.label("index");
            ex.maxLength = line.integer("max_length", 1, kMaxModelPositions);
        }
        if (ex.answers.empty())
            throw FormatError(where + ": field \"" + (longBench ? "answers" : "outputs") +
                              "\": expected at least one reference answer, got an empty list");
        out.push_back(std::move(ex));
    }
    if (out.empty())
        throw FormatError(source + ": no examples (expected one JSON object per line)");
    return out;
}

std::vector<EvalExample> readEvalJsonl(const std::filesystem::path& file)
{
    return parseEvalJsonl(readFileBytes(file, "--data"), file.string());
}

} // namespace headscope
