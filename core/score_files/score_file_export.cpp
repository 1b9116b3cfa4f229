// Score-file export in canonical layer-major order (docs/algorithms.md decision (a)): HeadKV/KVCache-Factory
// loaders reshape by insertion order, so order is part of the format.
#include "headscope/core/score_file.h"

#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"
#include "score_key.h"

#include <charconv>
#include <cmath>
#include <fstream>

namespace headscope {

namespace detail {

std::string formatRoundTrip(double value, const std::string& what)
{
    if (!std::isfinite(value))
        throw UsageError("cannot export " + what + ": value is not finite");
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, res.ptr);
}

} // namespace detail

namespace {

void checkShape(const ScoreMatrix& m, const std::vector<std::vector<double>>& lists)
{
    const auto cells = static_cast<std::size_t>(m.layers) * static_cast<std::size_t>(m.heads);
    if (m.layers <= 0 || m.heads <= 0 || m.values.size() != cells)
        throw UsageError("score export: matrix " + std::to_string(m.layers) + "x" + std::to_string(m.heads) + " holds "
                         + std::to_string(m.values.size()) + " values");
    if (!lists.empty() && lists.size() != cells)
        throw UsageError("score export: expected " + std::to_string(cells) + " per-head lists, got " + std::to_string(lists.size()));
}

std::vector<double> listFor(const ScoreMatrix& m, const std::vector<std::vector<double>>& lists, std::size_t cell)
{
    return lists.empty() ? std::vector<double>{m.values[cell]} : lists[cell];
}

} // namespace

std::string exportHeadKvJson(const ScoreMatrix& matrix, const std::vector<std::vector<double>>& lists)
{
    checkShape(matrix, lists);
    std::string out = "{";
    for (int l = 0; l < matrix.layers; ++l)
        for (int h = 0; h < matrix.heads; ++h) {
            const auto cell = static_cast<std::size_t>(l) * static_cast<std::size_t>(matrix.heads) + static_cast<std::size_t>(h);
            const std::string key = detail::headKeyString(l, h);
            if (cell > 0) out += ", ";
            out += "\"" + key + "\": [";
            const auto values = listFor(matrix, lists, cell);
            for (std::size_t i = 0; i < values.size(); ++i)
                out += (i ? ", " : "") + detail::formatRoundTrip(values[i], "score " + key);
            out += "]";
        }
    out += "}";
    return out;
}

std::string exportDiliLazyKvJson(const ScoreMatrix& matrix, const std::vector<std::vector<double>>& lists)
{
    checkShape(matrix, lists);
    std::string out = "{\n";
    for (int l = 0; l < matrix.layers; ++l)
        for (int h = 0; h < matrix.heads; ++h) {
            const auto cell = static_cast<std::size_t>(l) * static_cast<std::size_t>(matrix.heads) + static_cast<std::size_t>(h);
            const std::string key = detail::headKeyString(l, h);
            out += "    \"" + key + "\": [";
            const auto values = listFor(matrix, lists, cell);
            for (std::size_t i = 0; i < values.size(); ++i)
                out += std::string(i ? "," : "") + "\n        " + detail::formatRoundTrip(values[i], "score " + key);
            out += values.empty() ? "]" : "\n    ]";
            out += cell + 1 < matrix.values.size() ? ",\n" : "\n";
        }
    out += "}\n";
    return out;
}

std::string exportScoreCsv(const ScoreMatrix& matrix)
{
    checkShape(matrix, {});
    std::string out = "layer,head,value\n";
    for (int l = 0; l < matrix.layers; ++l)
        for (int h = 0; h < matrix.heads; ++h)
            out += std::to_string(l) + "," + std::to_string(h) + ","
                   + detail::formatRoundTrip(matrix.at(l, h), "score " + detail::headKeyString(l, h)) + "\n";
    return out;
}

void writeTextFile(const std::filesystem::path& file, std::string_view text)
{
    writeFileReplacing(file, text);
}

} // namespace headscope
