#pragma once
// A small deterministic probe session for the session views: 8 layers × 8 heads, context
// lengths {1000, 2000, 4000, 8000} × depths {0, 25, 50, 75, 100}, one needle per cell.
// Heads (5, 3) and (6, 1) retrieve; the rouge gate falls with length and the maps of failing
// tests are flat, so gating visibly changes the aggregate.
#include "models/session_source.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace headscope::views::fixture {

inline double noise(int a, int b, int c)
{
    const unsigned h = (static_cast<unsigned>(a) * 73856093u) ^ (static_cast<unsigned>(b) * 19349663u) ^
                       (static_cast<unsigned>(c) * 83492791u);
    return static_cast<double>(h % 1000) / 1000.0;
}

inline std::shared_ptr<MemorySessionSource> makeSession(int layers = 8, int heads = 8)
{
    const std::vector<int> lengths = {1000, 2000, 4000, 8000};
    const std::vector<double> depths = {0, 25, 50, 75, 100};
    const std::vector<HeadMetric> metrics = {HeadMetric::Inf,        HeadMetric::Lazy,         HeadMetric::Diligent,
                                             HeadMetric::Distracted, HeadMetric::Subconscious, HeadMetric::Diffuse};
    std::vector<MemorySessionSource::TestData> tests;
    int id = 0;
    for (double depth : depths) {
        for (int len : lengths) {
            MemorySessionSource::TestData t;
            t.info.id = id;
            t.info.length = len;
            t.info.depth = depth;
            t.info.needleId = QStringLiteral("n%1").arg(id % 3);
            t.info.question = QStringLiteral("What is the best thing to do in San Francisco?");
            t.info.expected = QStringLiteral("eat a sandwich in Dolores Park");
            const bool pass = len <= 2000 || (len == 4000 && depth < 60);
            t.info.generated = pass ? QStringLiteral("Eat a sandwich in Dolores Park.") : QStringLiteral("Visit the bridge.");
            t.info.gates = {pass ? 100.0 - depth / 10.0 : 20.0 + depth / 10.0, pass ? 90.0 : 10.0};
            for (int m = 0; m < static_cast<int>(metrics.size()); ++m) {
                ScoreMatrix s;
                s.layers = layers;
                s.heads = heads;
                s.metric = std::string(headMetricName(metrics[static_cast<std::size_t>(m)]));
                for (int l = 0; l < layers; ++l)
                    for (int h = 0; h < heads; ++h) {
                        double v = 0.05 * noise(id, l * heads + h, m);
                        const bool retrieval = (l == 5 && h == 3) || (l == 6 && h == 1);
                        if (pass && (retrieval || noise(l, h, 99) > 0.9))
                            v += retrieval ? (l == 5 ? 0.9 : 0.8) : 0.3 * noise(id, l, h);
                        if (m >= 2) // category counts out of K = 10
                            v = std::round(v * 10.0 * (m == 2 ? 1.0 : 0.5 + 0.1 * m));
                        s.values.push_back(v);
                    }
                t.scores.emplace_back(metrics[static_cast<std::size_t>(m)], s);
            }
            t.steps = 2;
            const int keys = len / 20;
            const int needle = static_cast<int>(depth / 100.0 * (keys - 10));
            for (int step = 0; step < t.steps; ++step)
                for (int l = 0; l < layers; ++l)
                    for (int h = 0; h < heads; ++h) {
                        AttentionRow row;
                        row.keys = keys;
                        row.needleBegin = needle;
                        row.needleEnd = needle + 8;
                        row.weights.assign(static_cast<std::size_t>(keys), 0.0f);
                        for (int k = 0; k < keys; ++k)
                            row.weights[static_cast<std::size_t>(k)] = static_cast<float>(0.2 * noise(k, l, h) / keys);
                        row.weights[0] += 0.3f; // attention sink
                        if ((l == 5 && h == 3) || (l == 6 && h == 1))
                            row.weights[static_cast<std::size_t>(needle + 2 + step)] += 0.5f;
                        std::vector<int> order(static_cast<std::size_t>(keys));
                        for (int k = 0; k < keys; ++k)
                            order[static_cast<std::size_t>(k)] = k;
                        std::partial_sort(order.begin(), order.begin() + 5, order.end(), [&row](int a, int b) {
                            return row.weights[static_cast<std::size_t>(a)] > row.weights[static_cast<std::size_t>(b)];
                        });
                        for (int i = 0; i < 5; ++i) {
                            row.topIndices.push_back(order[static_cast<std::size_t>(i)]);
                            row.topWeights.push_back(row.weights[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
                        }
                        for (int k = 0; k < keys; ++k)
                            row.tokens << (k >= needle && k < needle + 8 ? QStringLiteral(" sandwich%1").arg(k - needle)
                                                                         : QStringLiteral(" w%1").arg(k));
                        row.title = QStringLiteral("test %1 · step %2 · L%3 H%4").arg(id).arg(step).arg(l).arg(h);
                        t.rows.push_back(std::move(row));
                    }
            tests.push_back(std::move(t));
            ++id;
        }
    }
    return std::make_shared<MemorySessionSource>(QStringLiteral("fixture_session.h5"), layers, heads, metrics,
                                                 QStringList{QStringLiteral("rouge1_recall"), QStringLiteral("qa_f1")},
                                                 std::move(tests));
}

} // namespace headscope::views::fixture
