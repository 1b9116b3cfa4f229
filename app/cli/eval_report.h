#pragma once
// Printing `eval` summaries (a table per dataset: configurations as rows, mean and 95 % interval,
// difference to the full cache, KV share, time) and the examples where a compressed cache and
// the full cache disagree; shared by `eval` and `eval-report`.
#include "headscope/core/eval_results.h"

#include <string>
#include <vector>

namespace headscope::cli {

void printEvalSummary(const std::vector<EvalSummaryRow>& rows);
std::string evalSummaryJsonLine(const std::vector<EvalSummaryRow>& rows, const std::string& out);
// Examples whose score under some compressed configuration differs from the full cache's.
void printDisagreements(const std::vector<EvalRecord>& records, int limit);
// The first `limit` examples: references and every configuration's prediction and score.
void printExamples(const std::vector<EvalRecord>& records, int limit);

} // namespace headscope::cli
