// Cross-test aggregation: turns per-test [layers, heads] scores into the mean-over-accepted-tests
// matrix and the per-head lists that HeadKV-format files carry (decision (e): the gate is applied
// here, at aggregation time, never at recording time).
#include "headscope/core/errors.h"
#include "headscope/core/head_metrics.h"

#include <string>

namespace headscope {

AggregatedScores aggregateTests(std::span<const TestHeadScores> tests, HeadMetric metric, std::span<const bool> accepted)
{
    if (!accepted.empty() && accepted.size() != tests.size())
        throw UsageError("aggregateTests: " + std::to_string(accepted.size()) + " gate flags for "
                         + std::to_string(tests.size()) + " tests");
    AggregatedScores out;
    out.matrix.metric = std::string(headMetricName(metric));
    if (tests.empty()) return out;
    const int layers = tests.front().layers;
    const int heads = tests.front().heads;
    const auto cells = static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads);
    out.matrix.layers = layers;
    out.matrix.heads = heads;
    out.matrix.values.assign(cells, 0.0);
    out.lists.assign(cells, {});
    for (std::size_t t = 0; t < tests.size(); ++t) {
        if (!accepted.empty() && !accepted[t]) continue;
        const TestHeadScores& test = tests[t];
        if (test.layers != layers || test.heads != heads || test.of(metric).size() != cells)
            throw UsageError("aggregateTests: test " + std::to_string(t) + " is " + std::to_string(test.layers) + "x"
                             + std::to_string(test.heads) + ", expected " + std::to_string(layers) + "x"
                             + std::to_string(heads));
        const auto& values = test.of(metric);
        for (std::size_t c = 0; c < cells; ++c) {
            out.lists[c].push_back(values[c]);
            out.matrix.values[c] += values[c];
        }
        ++out.testsUsed;
    }
    if (out.testsUsed > 0)
        for (double& v : out.matrix.values) v /= out.testsUsed;
    return out;
}

} // namespace headscope
