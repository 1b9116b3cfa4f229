#pragma once
// Budget JSON files (docs/budget_format.md): method, parameters, model dimensions, granularity,
// provenance and the plan. Written by `headscope-cli allocate` and the GUI's budget panel; read
// by the compressed cache and compare runs.
#include "headscope/core/budget_plan.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace headscope {

inline constexpr int kBudgetFormatVersion = 1;

// Pretty JSON (indent 2) of a plan, one capacity row per layer.
std::string budgetPlanToJson(const BudgetPlan& plan);
// Parses and validates; errors name `source`, the key, what was expected and what was found.
BudgetPlan parseBudgetPlan(std::string_view text, const std::string& source);
BudgetPlan readBudgetFile(const std::filesystem::path& file);   // throws LoadError / FormatError
void writeBudgetFile(const std::filesystem::path& file, const BudgetPlan& plan);

} // namespace headscope
