// Per-test aggregation (docs/algorithms.md decision (b)): sums for the copy and R2 scores, means over
// scored rows for everything else. Used by the probe runner while a test runs and by the session
// reader when it rebuilds /scores from stored RowStats.
#include "headscope/core/head_metrics.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <string>

namespace headscope {

namespace {
bool isSummed(int metricIndex)
{
    const auto m = static_cast<HeadMetric>(metricIndex);
    return m == HeadMetric::Retrieval || m == HeadMetric::Reasoning;
}
} // namespace

TestScoreAccumulator::TestScoreAccumulator(int layers, int heads, NeedleSpan span, std::vector<int32_t> keyIds,
                                           int topK, ScoringMode mode)
    : m_layers(layers), m_heads(heads), m_span(span), m_keyIds(std::move(keyIds)), m_topK(topK), m_mode(mode)
{
    if (layers <= 0 || heads <= 0)
        throw UsageError("TestScoreAccumulator: layers and heads must be positive, got " + std::to_string(layers)
                         + "x" + std::to_string(heads));
    const auto cells = static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads);
    for (auto& v : m_sums)
        v.assign(cells, 0.0);
    m_rowCounts.assign(cells, 0);
}

void TestScoreAccumulator::addRow(int step, int layer, int head, const RowStats& stats, int32_t generatedToken)
{
    if (step < 0 || layer < 0 || layer >= m_layers || head < 0 || head >= m_heads)
        throw UsageError("TestScoreAccumulator::addRow: (step " + std::to_string(step) + ", layer "
                         + std::to_string(layer) + ", head " + std::to_string(head) + ") outside "
                         + std::to_string(m_layers) + "x" + std::to_string(m_heads));
    if (m_mode == ScoringMode::LastPromptRow && step > 0)
        return;
    if (std::find(m_stepsSeen.begin(), m_stepsSeen.end(), step) == m_stepsSeen.end())
        m_stepsSeen.push_back(step);
    const RowMetrics metrics = computeRowMetrics(stats, m_span, generatedToken, m_keyIds, m_topK);
    const auto cell = static_cast<std::size_t>(layer) * static_cast<std::size_t>(m_heads) + static_cast<std::size_t>(head);
    for (int i = 0; i < kHeadMetricCount; ++i)
        if (!isWriteMetric(static_cast<HeadMetric>(i)))
            m_sums[static_cast<std::size_t>(i)][cell] += metrics.values[static_cast<std::size_t>(i)];
    ++m_rowCounts[cell];
}

void TestScoreAccumulator::addStep(int step, const StepStats& stepStats)
{
    const auto expected = static_cast<std::size_t>(m_layers) * static_cast<std::size_t>(m_heads);
    if (stepStats.rows.size() != expected)
        throw UsageError("TestScoreAccumulator::addStep: step " + std::to_string(step) + " has "
                         + std::to_string(stepStats.rows.size()) + " rows, expected layers*heads = "
                         + std::to_string(expected));
    for (int l = 0; l < m_layers; ++l)
        for (int h = 0; h < m_heads; ++h)
            addRow(step, l, h, stepStats.rows[static_cast<std::size_t>(l) * static_cast<std::size_t>(m_heads) + static_cast<std::size_t>(h)],
                   stepStats.generatedToken);
    if (stepStats.write.empty() || (m_mode == ScoringMode::LastPromptRow && step > 0))
        return;
    if (stepStats.write.size() != expected || stepStats.writeNeedle.size() != expected)
        throw UsageError("TestScoreAccumulator::addStep: step " + std::to_string(step) + " has " +
                         std::to_string(stepStats.write.size()) + " write and " +
                         std::to_string(stepStats.writeNeedle.size()) + " needle-write values, expected " +
                         std::to_string(expected));
    auto& write = m_sums[static_cast<std::size_t>(HeadMetric::Write)];
    auto& needle = m_sums[static_cast<std::size_t>(HeadMetric::WriteNeedle)];
    for (std::size_t c = 0; c < expected; ++c) {
        write[c] += stepStats.write[c];
        needle[c] += stepStats.writeNeedle[c];
    }
    ++m_writeSteps;
}

TestHeadScores TestScoreAccumulator::finish() const
{
    TestHeadScores out;
    out.layers = m_layers;
    out.heads = m_heads;
    out.scoredRows = static_cast<int>(m_stepsSeen.size());
    for (int i = 0; i < kHeadMetricCount; ++i) {
        const auto& sums = m_sums[static_cast<std::size_t>(i)];
        auto& dst = out.values[static_cast<std::size_t>(i)];
        dst.resize(sums.size());
        for (std::size_t c = 0; c < sums.size(); ++c) {
            if (isSummed(i))
                dst[c] = sums[c];
            else if (isWriteMetric(static_cast<HeadMetric>(i)))
                dst[c] = m_writeSteps > 0 ? sums[c] / m_writeSteps : 0.0;
            else
                dst[c] = m_rowCounts[c] > 0 ? sums[c] / m_rowCounts[c] : 0.0;
        }
    }
    return out;
}

TestHeadScores scoreTest(std::span<const StepStats> steps, int layers, int heads, NeedleSpan span,
                         std::span<const int32_t> keyIds, int topK, ScoringMode mode)
{
    TestScoreAccumulator acc(layers, heads, span, std::vector<int32_t>(keyIds.begin(), keyIds.end()), topK, mode);
    for (std::size_t s = 0; s < steps.size(); ++s)
        acc.addStep(static_cast<int>(s), steps[s]);
    return acc.finish();
}

} // namespace headscope
