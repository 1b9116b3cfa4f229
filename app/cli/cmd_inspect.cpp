// headscope-cli inspect: a session's manifest, test and gate counts, and its top heads.
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/errors.h"
#include "headscope/core/session.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <numeric>
#include <set>

namespace headscope::cli {

namespace {

// The familiar needle-in-a-haystack table: share of tests per length × depth whose answer
// passed ROUGE-1 recall > threshold (the value was copied), with the counts behind each cell.
void printAccuracyGrid(const SessionReader& reader, double threshold)
{
    std::map<std::pair<int, double>, std::pair<int, int>> cells; // (length, depth) → (passed, tests)
    std::set<int> lengths;
    std::set<double> depths;
    for (const SessionTest& t : reader.tests()) {
        if (t.status != "ok")
            continue;
        auto& [passed, total] = cells[{t.length, t.depth}];
        passed += t.rouge1Recall > threshold;
        ++total;
        lengths.insert(t.length);
        depths.insert(t.depth);
    }
    if (cells.empty())
        return;
    std::printf("\nneedle accuracy (ROUGE-1 recall > %g), %% of tests\n  %-8s", threshold, "depth");
    for (int length : lengths)
        std::printf(" %8d", length);
    std::printf("\n");
    int passedAll = 0, totalAll = 0;
    for (double depth : depths) {
        std::printf("  %-8.2f", depth);
        for (int length : lengths) {
            const auto it = cells.find({length, depth});
            if (it == cells.end()) {
                std::printf(" %8s", "-");
                continue;
            }
            const auto [passed, total] = it->second;
            passedAll += passed;
            totalAll += total;
            std::printf(" %7.0f%%", 100.0 * passed / total);
        }
        std::printf("\n");
    }
    std::printf("  all       %.1f%% (%d of %d)\n", 100.0 * passedAll / totalAll, passedAll, totalAll);
}

std::string heldMetricsText(const SessionReader& reader)
{
    const std::vector<HeadMetric> held = reader.heldMetrics();
    if (held.size() == allHeadMetrics().size())
        return "all " + std::to_string(held.size());
    std::string s;
    for (HeadMetric m : held)
        s += (s.empty() ? "" : ", ") + std::string(headMetricName(m));
    return s + (reader.manifest().mode == "imported" ? " (imported from " + reader.manifest().importedFrom + ")" : "");
}

} // namespace

int runInspect(const std::vector<std::string>& args)
{
    ArgParser p("inspect", "Print a session's manifest, test count and top heads.");
    p.positional("SESSION.h5", "probe session")
        .option("metric", "NAME", "inf|dili|lazy|retrieval|reasoning|diligent|subconscious|distracted|diffuse; default: inf, "
                                  "or the metric an imported session holds")
        .option("gate", "none|rouge1|qaf1", "gate applied to tests", false, "none")
        .option("threshold", "X", "gate threshold (×100)", false, "50")
        .option("top", "N", "heads to list", false, "10");
    if (!p.parse(args))
        return 0;
    if (p.positionals().size() != 1)
        throw UsageError("inspect: give one session file");
    const auto reader = SessionReader::open(p.positionals()[0]);
    const SessionManifest& m = reader->manifest();
    int ok = 0, errors = 0, rougePass = 0, qaPass = 0;
    for (const SessionTest& t : reader->tests()) {
        (t.status == "ok" ? ok : errors)++;
        rougePass += t.rouge1Recall > 50.0;
        qaPass += t.qaF1 > 50.0;
    }
    std::cout << "session      " << reader->path().string() << " (format " << m.formatVersion << ", HeadScope "
              << m.headscopeVersion << ")\n"
              << "model        " << m.modelPath << "  [" << m.layers << " layers × " << m.heads << " heads, " << m.kvHeads
              << " kv heads]\n"
              << "run          " << m.device << ", " << m.dtype << ", mode " << m.mode << ", top-K " << m.topK
              << ", chat " << m.chatTemplate << "\n"
              << "haystack     " << m.haystack << "\n"
              << "grid         " << m.lengths.size() << " lengths × " << m.depths.size() << " depths\n"
              << "tests        " << ok << " ok, " << errors << " errors; rouge1 > 50: " << rougePass << ", qa-F1 > 50: "
              << qaPass << "\n"
              << "metrics      " << heldMetricsText(*reader) << "\n"
              << "created      " << m.created << "\n";
    printAccuracyGrid(*reader, p.doubleValue("threshold"));
    SessionQuery q;
    q.metric = p.has("metric") ? parseHeadMetric(p.value("metric")) : reader->defaultMetric();
    q.gate = parseGate(p.value("gate"));
    q.threshold = p.doubleValue("threshold");
    const SessionAggregate a = reader->aggregateStrict(q);
    std::vector<int> order(a.mean.values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return a.mean.values[static_cast<std::size_t>(x)] > a.mean.values[static_cast<std::size_t>(y)]; });
    const int top = std::min<int>(p.intValue("top"), static_cast<int>(order.size()));
    std::cout << "\ntop " << top << " heads by " << headMetricName(q.metric) << " (" << a.testsAccepted << " of " << a.testsConsidered
              << " tests accepted)\n  rank  head     mean      ±95% CI\n";
    for (int i = 0; i < top; ++i) {
        const auto c = static_cast<std::size_t>(order[static_cast<std::size_t>(i)]);
        std::printf("  %4d  %2d-%-3d  %8.4f  %8.4f\n", i + 1, static_cast<int>(c) / a.mean.heads,
                    static_cast<int>(c) % a.mean.heads, a.mean.values[c], a.ci95[c]);
    }
    return 0;
}

} // namespace headscope::cli
