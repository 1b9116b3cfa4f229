// libFuzzer: budget JSON (docs/budget_format.md) → parseBudgetPlan. An accepted plan survives
// budgetPlanToJson and back unchanged, and its totals and memory estimates are computable
// (UndefinedBehaviorSanitizer reports any overflow on the way).
#include "fuzz_support.h"

#include "headscope/core/budget_file.h"
#include "headscope/core/errors.h"

#include <cstdint>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    BudgetPlan plan;
    try {
        plan = parseBudgetPlan(fuzz::asText(data, size), "budget.json");
    } catch (const Error&) {
        return 0;
    }
    HEADSCOPE_FUZZ_CHECK(plan.capacities.size() ==
                         static_cast<std::size_t>(plan.layers) * static_cast<std::size_t>(plan.heads));
    const BudgetPlan again = parseBudgetPlan(budgetPlanToJson(plan), "round trip");
    HEADSCOPE_FUZZ_CHECK(again.capacities == plan.capacities && again.window == plan.window);
    HEADSCOPE_FUZZ_CHECK(again.method == plan.method && again.granularity == plan.granularity);
    HEADSCOPE_FUZZ_CHECK(again.parameters == plan.parameters && again.provenance == plan.provenance);
    HEADSCOPE_FUZZ_CHECK(again.groupAggregation == plan.groupAggregation);
    (void)plan.totalCapacity();
    (void)plan.logicalTokens();
    (void)plan.logicalTokens(int64_t(4096));
    if (plan.model) {
        for (CacheLayout layout : {CacheLayout::GqaFlattened, CacheLayout::QueryHeadFlattened, CacheLayout::Padded}) {
            try {
                (void)estimateMemory(plan, *plan.model, layout, KvDtype::BF16, int64_t(4096));
            } catch (const Error&) {
            }
        }
    }
    return 0;
}
