#pragma once
// Printing for `headscope-cli allocate`: the per-layer table and totals, as text or JSON.
#include "headscope/core/budget_plan.h"

#include <optional>
#include <ostream>
#include <string>

namespace headscope::cli {

struct AllocateReportInput {
    const BudgetPlan* plan = nullptr;
    std::optional<ModelDims> dims;        // needed for bytes
    KvDtype dtype = KvDtype::BF16;
    std::optional<int64_t> contextLength; // truncation and full-cache baseline
    GroupAggregation aggregation = GroupAggregation::Mean;
    int64_t baseCapacity = 0;             // uniform SnapKV baseline: every head keeps C
    std::string outPath;                  // where the budget file went ("" = not written)
    std::vector<std::string> warnings;    // from score import
};

void printAllocateTable(std::ostream& os, const AllocateReportInput& in);
void printAllocateJson(std::ostream& os, const AllocateReportInput& in);

} // namespace headscope::cli
