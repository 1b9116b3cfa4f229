#pragma once
// "L-H" score-file keys, shared by import and export.
#include <optional>
#include <string>
#include <string_view>

namespace headscope::detail {

struct HeadKey {
    int layer = 0;
    int head = 0;
};

// Parses "<decimal>-<decimal>"; nullopt for anything else.
std::optional<HeadKey> parseHeadKey(std::string_view key);
inline std::string headKeyString(int layer, int head) { return std::to_string(layer) + "-" + std::to_string(head); }
// Shortest text that parses back to exactly `value` (JSON/CSV number). Throws UsageError on
// NaN/inf, which JSON cannot hold; `what` names the value in the message.
std::string formatRoundTrip(double value, const std::string& what);

} // namespace headscope::detail
