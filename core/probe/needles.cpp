#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/probe_config.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace headscope {

std::vector<Needle> loadNeedles(const std::filesystem::path& jsonl)
{
    return parseNeedles(readFileBytes(jsonl, "needle file"), jsonl.string());
}

std::vector<Needle> parseNeedles(const std::string& jsonlText, const std::string& source)
{
    std::istringstream in(jsonlText);
    std::vector<Needle> out;
    std::string line;
    for (int lineNo = 1; std::getline(in, line); ++lineNo) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const std::string where = source + ":" + std::to_string(lineNo);
        const nlohmann::json j = json_input::parse(line, where);
        json_input::requireObject(j, where, "a needle: {\"needle\": ..., \"question\": ...}");
        auto text = [&](const char* key, bool required) -> std::string {
            auto it = j.find(key);
            if (it == j.end() || it->is_null()) {
                if (required)
                    throw FormatError(where + ": missing key \"" + key + "\" (expected a string)");
                return {};
            }
            if (!it->is_string())
                throw FormatError(where + ": key \"" + key + "\": expected a string, got " + it->dump());
            return it->get<std::string>();
        };
        Needle n;
        n.needle = text("needle", true);
        n.question = text("question", true);
        n.realNeedle = text("real_needle", false);
        n.answer = text("answer", false);
        if (n.realNeedle.empty())
            n.realNeedle = n.needle;
        if (n.answer.empty())
            n.answer = n.realNeedle;
        out.push_back(std::move(n));
    }
    if (out.empty())
        throw FormatError(source + ": no needles (expected one JSON object per line)");
    return out;
}

std::string needlesToJsonl(const std::vector<Needle>& needles)
{
    std::string out;
    for (const Needle& n : needles) {
        nlohmann::ordered_json j;
        j["needle"] = n.needle;
        j["question"] = n.question;
        j["real_needle"] = n.realNeedle;
        j["answer"] = n.answer;
        out += j.dump() + "\n";
    }
    return out;
}

std::vector<Needle> defaultNeedles()
{
    return {
        {"The good ways to spend time in campus include relax and do nothing.",
         "What are good ways to spend time in campus?", "relax and do nothing", "Relax and do nothing."},
        {"The beneficial habits during Ph.D. career contain exercise and healthy diet.",
         "What habits are beneficial for health during Ph.D. career?", "exercise and healthy diet",
         "Exercise and healthy diet."},
        {"Tom was born in 2005. Tom started high school fifteen years after he was born.",
         "Which year did Tom start high school?", "Tom started high school fifteen years after he was born",
         "Tom started high school in 2020."},
    };
}

std::vector<int> linspaceLengths(int minLen, int maxLen, int intervals)
{
    if (intervals < 1 || minLen < 1 || maxLen < minLen)
        throw UsageError("context lengths: need 1 <= min_len <= max_len and context_intervals >= 1, got min_len " +
                         std::to_string(minLen) + ", max_len " + std::to_string(maxLen) + ", intervals " +
                         std::to_string(intervals));
    std::vector<int> out;
    for (int i = 0; i < intervals; ++i) {
        const double t = intervals == 1 ? 0.0 : static_cast<double>(i) / (intervals - 1);
        out.push_back(static_cast<int>(std::lround(minLen + t * (maxLen - minLen))));
    }
    return out;
}

std::vector<double> parseDepths(const std::string& text, DepthUnit unit)
{
    std::vector<std::string> items;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) {
        const auto b = item.find_first_not_of(" \t");
        if (b != std::string::npos)
            items.push_back(item.substr(b, item.find_last_not_of(" \t") - b + 1));
    }
    std::vector<double> raw;
    bool percent = unit == DepthUnit::Percent;
    for (std::string item : items) {
        if (item.back() == '%') {
            percent = true;
            item.pop_back();
        }
        try {
            std::size_t used = 0;
            raw.push_back(std::stod(item, &used));
            if (used != item.size())
                throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw UsageError("--depths: '" + item + "' is not a number (in '" + text + "')");
        }
    }
    // Auto: fractions unless any value exceeds 1 or a '%' was written; then all are percents.
    for (double v : raw)
        percent = percent || (unit == DepthUnit::Auto && v > 1.0);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        double& v = raw[i];
        if (percent)
            v /= 100.0;
        if (!(v >= 0.0 && v <= 1.0))
            throw UsageError("--depths: '" + items[i] + "' is outside " + (percent ? "0–100 %" : "[0, 1] (or 0–100 %)"));
    }
    if (raw.empty())
        throw UsageError("--depths: no depths in '" + text + "'");
    return raw;
}

} // namespace headscope
