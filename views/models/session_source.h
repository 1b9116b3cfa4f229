#pragma once
// SessionSource: what the session views need from a probe session, as plain values. app/
// implements it over core's HDF5 session reader; tests and the in-memory fallback use
// MemorySessionSource. Views hold a shared_ptr<const SessionSource> and never see HDF5.
// Implementations must be safe to call from the GUI thread and return quickly (aggregation
// over [tests, layers, heads] is a few ms for a 32×32 model).
#include "models/score_set.h"
#include "plots/attention_row_plot.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace headscope::views {

struct TestInfo {
    int id = 0;
    int length = 0;          // context length in tokens
    double depth = 0.0;      // needle depth, percent
    QString needleId;
    QString question;
    QString expected;
    QString generated;
    std::vector<double> gates; // one value per SessionSource::gates() entry, ×100
    int64_t promptLength = 0;  // tokens the model was fed
    // The needle's [begin, end) in the prompt ids, as the probe recorded it (absent if none).
    std::optional<std::pair<int64_t, int64_t>> needleSpan;
};

// "probe test 3: length 300, depth 50%" — how a test is named where it stands in for a prompt.
QString probeTestLabel(const TestInfo& test);

struct AggregateQuery {
    HeadMetric metric = HeadMetric::Inf;
    int gate = -1;           // index into gates(), -1: no gate
    double threshold = 0.0;  // tests with gate value > threshold are accepted (as core's SessionQuery)
    std::vector<int> lengths;     // empty: all
    std::vector<double> depths;   // empty: all
};

class SessionSource {
public:
    virtual ~SessionSource() = default;
    virtual QString path() const = 0;
    virtual int layers() const = 0;
    virtual int heads() const = 0;
    // Model shape recorded with the session, 0 when unknown (budget estimates use them).
    virtual int kvHeads() const { return 0; }
    virtual int headDim() const { return 0; }
    // Per layer, the sliding window of the model's local layers (0: full attention), from the
    // config recorded with the session; empty when unknown or when every layer is full.
    virtual std::vector<int64_t> layerWindows() const { return {}; }
    virtual std::vector<HeadMetric> metrics() const = 0; // the metrics its tests hold
    virtual QStringList gates() const = 0;     // e.g. "rouge1_recall", "qa_f1"
    virtual const std::vector<TestInfo>& tests() const = 0;
    // Mean and 95% CI over the accepted tests; tests = number accepted.
    virtual MetricMap aggregate(const AggregateQuery& query) const = 0;
    // One test's [layers, heads] map (averaged over its scored steps).
    virtual ScoreMatrix testScores(int testId, HeadMetric metric) const = 0;
    virtual int steps(int testId) const = 0;
    // Attention row for (test, step, layer, head): the stored row if present, else top-K.
    virtual std::optional<AttentionRow> attentionRow(int testId, int step, int layer, int head) const = 0;
    // The token ids the model was fed for a test, as recorded. The default (sources that record
    // no prompts) throws UsageError saying so; implementations throw FormatError naming the file
    // when a test has none.
    virtual std::vector<int32_t> promptIds(int testId) const;

    // The test with this id, or null. The one lookup by id; implementations use it too.
    const TestInfo* findTest(int testId) const;
    // Helpers shared by implementations.
    std::vector<int> distinctLengths() const;
    std::vector<double> distinctDepths() const;
    bool accepts(const TestInfo& test, const AggregateQuery& query) const;
};

// In-memory session: per-test maps held as values. Used by tests and as a cache.
class MemorySessionSource : public SessionSource {
public:
    struct TestData {
        TestInfo info;
        std::vector<std::pair<HeadMetric, ScoreMatrix>> scores; // metric → [layers, heads]
        std::vector<AttentionRow> rows;                      // indexed by step·L·H + layer·H + head, or empty
        int steps = 1;
        std::vector<int32_t> promptIds;                      // empty: none recorded
    };

    MemorySessionSource(QString path, int layers, int heads, std::vector<HeadMetric> metrics, QStringList gates,
                        std::vector<TestData> tests);

    QString path() const override { return m_path; }
    int layers() const override { return m_layers; }
    int heads() const override { return m_heads; }
    std::vector<HeadMetric> metrics() const override { return m_metrics; }
    QStringList gates() const override { return m_gates; }
    const std::vector<TestInfo>& tests() const override { return m_infos; }
    MetricMap aggregate(const AggregateQuery& query) const override;
    ScoreMatrix testScores(int testId, HeadMetric metric) const override;
    int steps(int testId) const override;
    std::optional<AttentionRow> attentionRow(int testId, int step, int layer, int head) const override;
    std::vector<int32_t> promptIds(int testId) const override;

private:
    const TestData* find(int testId) const;
    QString m_path;
    int m_layers;
    int m_heads;
    std::vector<HeadMetric> m_metrics;
    QStringList m_gates;
    std::vector<TestData> m_tests;
    std::vector<TestInfo> m_infos;
};

} // namespace headscope::views
