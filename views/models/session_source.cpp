#include "models/session_source.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace headscope::views {

QString probeTestLabel(const TestInfo& test)
{
    return QStringLiteral("probe test %1: length %2, depth %3%").arg(test.id).arg(test.length).arg(test.depth);
}

const TestInfo* SessionSource::findTest(int testId) const
{
    for (const TestInfo& t : tests())
        if (t.id == testId)
            return &t;
    return nullptr;
}

std::vector<int32_t> SessionSource::promptIds(int testId) const
{
    throw UsageError(path().toStdString() + " records no prompts (test " + std::to_string(testId) +
                     "): only probe sessions (.h5) do");
}

std::vector<int> SessionSource::distinctLengths() const
{
    std::set<int> s;
    for (const TestInfo& t : tests())
        s.insert(t.length);
    return {s.begin(), s.end()};
}

std::vector<double> SessionSource::distinctDepths() const
{
    std::set<double> s;
    for (const TestInfo& t : tests())
        s.insert(t.depth);
    return {s.begin(), s.end()};
}

bool SessionSource::accepts(const TestInfo& test, const AggregateQuery& query) const
{
    if (!query.lengths.empty() && std::find(query.lengths.begin(), query.lengths.end(), test.length) == query.lengths.end())
        return false;
    if (!query.depths.empty() && std::find(query.depths.begin(), query.depths.end(), test.depth) == query.depths.end())
        return false;
    if (query.gate >= 0) {
        const auto g = static_cast<std::size_t>(query.gate);
        if (g >= test.gates.size() || !(test.gates[g] > query.threshold))
            return false;
    }
    return true;
}

MemorySessionSource::MemorySessionSource(QString path, int layers, int heads, std::vector<HeadMetric> metrics, QStringList gates,
                                         std::vector<TestData> tests)
    : m_path(std::move(path)), m_layers(layers), m_heads(heads), m_metrics(std::move(metrics)),
      m_gates(std::move(gates)), m_tests(std::move(tests))
{
    for (const TestData& t : m_tests)
        m_infos.push_back(t.info);
}

const MemorySessionSource::TestData* MemorySessionSource::find(int testId) const
{
    // m_infos parallels m_tests.
    const TestInfo* info = findTest(testId);
    return info ? &m_tests[static_cast<std::size_t>(info - m_infos.data())] : nullptr;
}

MetricMap MemorySessionSource::aggregate(const AggregateQuery& query) const
{
    const std::size_t n = static_cast<std::size_t>(m_layers) * m_heads;
    std::vector<std::vector<double>> perCell(n);
    for (const TestData& t : m_tests) {
        if (!accepts(t.info, query))
            continue;
        for (const auto& [metric, matrix] : t.scores) {
            if (metric != query.metric || matrix.values.size() != n)
                continue;
            for (std::size_t i = 0; i < n; ++i)
                perCell[i].push_back(matrix.values[i]);
        }
    }
    MetricMap m = metricFromPerTestLists(query.metric, m_layers, m_heads, perCell);
    m.matrix.provenance = (QStringLiteral("session:") + m_path).toStdString();
    return m;
}

ScoreMatrix MemorySessionSource::testScores(int testId, HeadMetric metric) const
{
    if (const TestData* t = find(testId))
        for (const auto& [id, matrix] : t->scores)
            if (id == metric)
                return matrix;
    return {};
}

int MemorySessionSource::steps(int testId) const
{
    const TestData* t = find(testId);
    return t ? t->steps : 0;
}

std::vector<int32_t> MemorySessionSource::promptIds(int testId) const
{
    const TestData* t = find(testId);
    if (!t || t->promptIds.empty())
        return SessionSource::promptIds(testId);
    return t->promptIds;
}

std::optional<AttentionRow> MemorySessionSource::attentionRow(int testId, int step, int layer, int head) const
{
    const TestData* t = find(testId);
    if (!t || step < 0 || step >= t->steps || layer < 0 || layer >= m_layers || head < 0 || head >= m_heads)
        return std::nullopt;
    const std::size_t i = (static_cast<std::size_t>(step) * m_layers + layer) * m_heads + head;
    if (i >= t->rows.size())
        return std::nullopt;
    return t->rows[i];
}

} // namespace headscope::views
