#include "headscope/core/head_list.h"

#include "comma_list.h"
#include "headscope/core/errors.h"

#include <algorithm>
#include <charconv>

namespace headscope {

using detail::trimmed;

namespace {

bool parseIndex(std::string_view text, int* out)
{
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size() && *out >= 0;
}

} // namespace

std::vector<HeadRef> parseHeadList(std::string_view text, std::string_view what)
{
    std::vector<HeadRef> heads;
    for (const std::string_view item : detail::commaItems(text)) {
        const auto dash = item.find('-');
        HeadRef h;
        if (dash == std::string_view::npos || !parseIndex(trimmed(item.substr(0, dash)), &h.layer) ||
            !parseIndex(trimmed(item.substr(dash + 1)), &h.head))
            throw UsageError(std::string(what) + ": '" + std::string(item) + "' is not LAYER-HEAD (e.g. 15-30), in '" +
                             std::string(text) + "'");
        if (std::find(heads.begin(), heads.end(), h) == heads.end())
            heads.push_back(h);
    }
    return heads;
}

std::string formatHeadList(const std::vector<HeadRef>& heads)
{
    std::string out;
    for (const HeadRef& h : heads)
        out += (out.empty() ? "" : ",") + std::to_string(h.layer) + "-" + std::to_string(h.head);
    return out;
}

std::string describeHeadList(const std::vector<HeadRef>& heads, std::size_t shown)
{
    std::string out;
    for (std::size_t i = 0; i < heads.size() && i < shown; ++i)
        out += (i ? ", L" : "L") + std::to_string(heads[i].layer) + "-H" + std::to_string(heads[i].head);
    if (heads.size() > shown)
        out += ", … (" + std::to_string(heads.size()) + " in all)";
    return out;
}

} // namespace headscope
