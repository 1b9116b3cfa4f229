#include "eval_report.h"

#include "headscope/core/eval_replay.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace headscope::cli {

void printEvalSummary(const std::vector<EvalSummaryRow>& rows)
{
    std::string dataset = "\x01";
    for (const EvalSummaryRow& r : rows) {
        const std::string name = (r.dataset.empty() ? std::string("(no dataset name)") : r.dataset) +
                                 (r.maxLength > 0 ? " at " + std::to_string(r.maxLength) + " tokens" : "");
        if (name != dataset) {
            dataset = name;
            std::printf("\n%s — %s ×100, mean [95%% bootstrap interval] over %d examples%s\n", name.c_str(),
                        r.metric.c_str(), r.score.n,
                        r.truncated ? (", " + std::to_string(r.truncated) + " truncated in the middle").c_str() : "");
            std::printf("  %-18s %22s %24s %9s %9s\n", "configuration", "score", "vs full", "KV share", "s/example");
        }
        char score[64], delta[64] = "", share[32] = "";
        std::snprintf(score, sizeof score, "%6.1f [%5.1f, %5.1f]", r.score.mean, r.score.low, r.score.high);
        if (r.vsFull)
            std::snprintf(delta, sizeof delta, "%+6.1f [%+6.1f, %+6.1f]", r.vsFull->mean, r.vsFull->low, r.vsFull->high);
        if (r.kvFractionOfFull > 0.0)
            std::snprintf(share, sizeof share, "%6.1f%%", 100.0 * r.kvFractionOfFull);
        std::printf("  %-18s %22s %24s %9s %9.2f\n", r.config.label().c_str(), score, delta, share, r.secondsMean);
    }
}

std::string evalSummaryJsonLine(const std::vector<EvalSummaryRow>& rows, const std::string& out)
{
    // The summary is JSON text already; it is spliced in rather than parsed again.
    return "{\"summary\": " + evalSummaryToJson(rows) + ", \"out\": " +
           nlohmann::json(out).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}";
}

void printDisagreements(const std::vector<EvalRecord>& records, int limit)
{
    const std::vector<EvalDisagreement> found = evalDisagreements(records);
    for (std::size_t i = 0; i < found.size() && static_cast<int>(i) < limit; ++i) {
        const EvalRecord& r = records[found[i].record];
        const EvalOutcome& o = r.outcomes[found[i].outcome];
        const EvalOutcome& full = *r.outcome({"full", 0});
        std::printf("example %d%s  %s %.1f vs full %.1f\n  full: %s\n  %s: %s\n", r.index,
                    r.dataset.empty() ? "" : (" (" + r.dataset + ")").c_str(), o.config.label().c_str(), o.score,
                    full.score, full.prediction.substr(0, 160).c_str(), o.config.label().c_str(),
                    o.prediction.substr(0, 160).c_str());
    }
    if (found.empty())
        std::printf("no example where a compressed cache and the full cache score differently\n");
}

void printExamples(const std::vector<EvalRecord>& records, int limit)
{
    for (std::size_t i = 0; i < records.size() && static_cast<int>(i) < limit; ++i) {
        const EvalRecord& r = records[i];
        std::string answers;
        for (const std::string& a : r.answers)
            answers += (answers.empty() ? "" : " | ") + a.substr(0, 60);
        std::printf("example %d%s, %lld prompt tokens%s, %s; answers: %s\n", r.index,
                    r.dataset.empty() ? "" : (" (" + r.dataset + ")").c_str(), static_cast<long long>(r.promptTokens),
                    r.truncated ? " (truncated)" : "", r.metric.c_str(), answers.c_str());
        for (const EvalOutcome& o : r.outcomes) {
            std::string text = o.prediction.substr(0, 120);
            for (char& c : text)
                if (c == '\n')
                    c = ' ';
            std::printf("  %-16s %6.1f  %s\n", o.config.label().c_str(), o.score, text.c_str());
        }
    }
}

} // namespace headscope::cli
