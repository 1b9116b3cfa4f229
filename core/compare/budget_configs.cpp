#include "headscope/core/budget_configs.h"

#include "headscope/core/errors.h"

namespace headscope {

void checkBudgetParams(const std::vector<AllocationMethod>& methods, const std::vector<int64_t>& budgets,
                       const AllocationParams& params, std::string_view command)
{
    const std::string c(command);
    if (methods.empty() || budgets.empty())
        throw UsageError(c + ": give at least one method and one budget");
    for (int64_t b : budgets) {
        if (b <= params.window)
            throw UsageError(c + ": budget " + std::to_string(b) + " must exceed the window (" +
                             std::to_string(params.window) + ")");
        AllocationParams withBudget = params;
        withBudget.baseCapacity = b;
        withBudget.validate();
    }
}

void checkBudgetRequest(const std::vector<AllocationMethod>& methods, const std::vector<int64_t>& budgets,
                        const AllocationParams& params, const std::optional<ScoreMatrix>& scores,
                        const ModelConfig& model, std::string_view command)
{
    checkBudgetParams(methods, budgets, params, command);
    const std::string c(command);
    const int layers = static_cast<int>(model.numLayers), heads = static_cast<int>(model.numHeads);
    for (AllocationMethod m : methods)
        if (needsHeadScores(m) && !scores)
            throw UsageError(c + ": method " + std::string(allocationMethodName(m)) +
                             " needs head scores (--session or --scores)");
    if (scores && (scores->layers != layers || scores->heads != heads))
        throw UsageError(c + ": head scores are " + std::to_string(scores->layers) + " × " +
                         std::to_string(scores->heads) + ", the model has " + std::to_string(layers) + " × " +
                         std::to_string(heads) + " query heads");
}

std::shared_ptr<const CompressionSpec> compressionForBudget(AllocationMethod method, int64_t budget,
                                                            int64_t promptLength, const AllocationParams& params,
                                                            const ScoreMatrix* scores, const CompressionSpec& base,
                                                            const ModelConfig& model)
{
    AllocationParams p = params;
    p.baseCapacity = budget;
    p.promptLength = promptLength; // PyramidKV's prompt-length rules
    auto spec = std::make_shared<CompressionSpec>(base);
    spec->plan = allocate(method, scores, static_cast<int>(model.numLayers), static_cast<int>(model.numHeads), p);
    return spec;
}

} // namespace headscope
