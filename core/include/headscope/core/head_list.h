#pragma once
// Lists of attention heads as HeadKV names them: "15-30,16-20" is layer 15 head 30 and layer 16
// head 20. The one spelling of a head set shared by the CLI (--mask-heads), session manifests
// (masked_heads) and the GUI (the heads a selection names).
#include "headscope/core/generator.h"

#include <string>
#include <string_view>
#include <vector>

namespace headscope {

// Parses "L-H,L-H,…" (spaces allowed around items, empty items skipped). Throws UsageError
// naming `what`, the bad item and the whole text. Duplicates are dropped, order is kept.
std::vector<HeadRef> parseHeadList(std::string_view text, std::string_view what = "head list");
// "L-H,L-H,…" in the given order; parseHeadList(formatHeadList(h)) == h for a list without duplicates.
std::string formatHeadList(const std::vector<HeadRef>& heads);
// "L0-H1, L3-H2, …" for display, at most `shown` heads then "… (N in all)".
std::string describeHeadList(const std::vector<HeadRef>& heads, std::size_t shown = 8);

} // namespace headscope
