#pragma once
// Comma-separated option values ("512, 1024", "15-30,3-4"): the items, trimmed of spaces and
// tabs, empty items skipped. Private to core's probe area; each caller parses its own items.
#include <algorithm>
#include <string_view>
#include <vector>

namespace headscope::detail {

inline std::string_view trimmed(std::string_view s)
{
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos)
        return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

inline std::vector<std::string_view> commaItems(std::string_view text)
{
    std::vector<std::string_view> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        if (const std::string_view item = trimmed(text.substr(start, end - start)); !item.empty())
            items.push_back(item);
        start = end + 1;
    }
    return items;
}

} // namespace headscope::detail
