#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/probe_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
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
    if (intervals < 1 || intervals > 100000 || minLen < 1 || maxLen < minLen)
        throw UsageError("context lengths: need 1 <= min_len <= max_len and context_intervals in 1..100000, got min_len " +
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
    struct Item {
        std::string text;
        double value;
        bool percentSign;
    };
    std::vector<Item> raw;
    for (std::string item : items) {
        const std::string written = item;
        const bool sign = item.back() == '%';
        if (sign)
            item.pop_back();
        double v = 0.0;
        try {
            std::size_t used = 0;
            v = std::stod(item, &used);
            if (used != item.size())
                throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw UsageError("--depths: '" + written + "' is not a number (in '" + text + "')");
        }
        if (!std::isfinite(v))
            throw UsageError("--depths: '" + written + "' is not a finite number (in '" + text + "')");
        raw.push_back({written, v, sign});
    }
    if (raw.empty())
        throw UsageError("--depths: no depths in '" + text + "'");
    // Auto: one notation per list — all fractions (0.1,0.5,0.9), or all percents (10,50,90 or
    // 10%,50%). A list mixing them ("0.5,50") is refused rather than read one way or the other.
    bool percent = unit == DepthUnit::Percent;
    if (unit == DepthUnit::Auto) {
        const bool anySign = std::any_of(raw.begin(), raw.end(), [](const Item& i) { return i.percentSign; });
        const bool allSign = std::all_of(raw.begin(), raw.end(), [](const Item& i) { return i.percentSign; });
        const auto aboveOne = std::find_if(raw.begin(), raw.end(), [](const Item& i) { return !i.percentSign && i.value > 1.0; });
        percent = anySign || aboveOne != raw.end();
        if (anySign && !allSign) {
            const auto bare = std::find_if(raw.begin(), raw.end(), [](const Item& i) { return !i.percentSign; });
            throw UsageError("--depths: '" + text + "' mixes percents with '%' and without ('" + bare->text +
                             "'); write every depth as a fraction (0.1,0.5) or every one as a percent (10%,50%)");
        }
        if (percent && !anySign) {
            const auto fraction = std::find_if(raw.begin(), raw.end(), [](const Item& i) { return i.value > 0.0 && i.value < 1.0; });
            if (fraction != raw.end())
                throw UsageError("--depths: '" + text + "' mixes fractions ('" + fraction->text + "') and percents ('" +
                                 aboveOne->text + "'); write every depth as a fraction (0.1,0.5) or every one as a "
                                 "percent (10,50 or 10%,50%)");
        }
    }
    std::vector<double> out;
    for (const Item& i : raw) {
        const double v = percent ? i.value / 100.0 : i.value;
        if (!(v >= 0.0 && v <= 1.0))
            throw UsageError("--depths: '" + i.text + "' is outside " + (percent ? "0–100 %" : "[0, 1] (or 0–100 %)") +
                             " (in '" + text + "')");
        out.push_back(v);
    }
    return out;
}

} // namespace headscope
