#pragma once
// Statistics over [layers, heads] score maps for the statistics view: top-k head sets,
// Jaccard overlap between them (stability across lengths/depths) and Spearman rank
// correlation between two metrics. They live in core (headscope/core/rank_statistics.h),
// where the benchmarks use them too; the view names them here.
#include "headscope/core/rank_statistics.h"

namespace headscope::views {

using headscope::averageRanks;
using headscope::jaccard;
using headscope::spearman;
using headscope::topKHeads;

} // namespace headscope::views
