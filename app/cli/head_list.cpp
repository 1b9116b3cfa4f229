#include "head_list.h"

#include "headscope/core/errors.h"

#include <sstream>

namespace headscope::cli {

std::vector<HeadRef> parseHeadList(const std::string& text)
{
    std::vector<HeadRef> heads;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty())
            continue;
        const auto dash = item.find('-');
        try {
            if (dash == std::string::npos)
                throw std::invalid_argument(item);
            std::size_t used1 = 0, used2 = 0;
            const std::string a = item.substr(0, dash), b = item.substr(dash + 1);
            HeadRef h{std::stoi(a, &used1), std::stoi(b, &used2)};
            if (used1 != a.size() || used2 != b.size() || h.layer < 0 || h.head < 0)
                throw std::invalid_argument(item);
            heads.push_back(h);
        } catch (const std::exception&) {
            throw UsageError("head list: '" + item + "' is not LAYER-HEAD (e.g. 15-30), in '" + text + "'");
        }
    }
    return heads;
}

} // namespace headscope::cli
