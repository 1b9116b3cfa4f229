#pragma once
// Per-row head metrics (docs/algorithms.md §1A copy score, §1C retrieval-reasoning score, §1D
// DiliScore/LazyScore/InfScore and the four attention categories) and their per-test
// aggregation (decision (b)): copy and R2 scores are SUMMED over scored rows; Dili, Lazy, Inf
// and the category counts/masses are AVERAGED over scored rows.
#include "headscope/core/row_stats.h"
#include "headscope/core/score_matrix.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class HeadMetric {
    Inf,               // "inf"        harmonic mean of Dili and Lazy
    Dili,              // "dili"       WTP / (WTP + WFP)
    Lazy,              // "lazy"       WTP / (WTP + WFN)
    Retrieval,         // "retrieval"  HeadKV/Retrieval_Head copy score
    Reasoning,         // "reasoning"  HeadKV R2 score
    Diligent,          // "diligent"        |T ∩ N|
    Subconscious,      // "subconscious"    |N \ T|
    Distracted,        // "distracted"      |T \ N|
    Diffuse,           // "diffuse"         rowLength − |N| − distracted
    DiligentMass,      // "diligent_mass"     Σ a over T ∩ N  (= WTP)
    SubconsciousMass,  // "subconscious_mass" Σ a over N \ T  (= WFN)
    DistractedMass,    // "distracted_mass"   Σ a over T \ N  (= WFP)
    DiffuseMass,       // "diffuse_mass"      max(0, 1 − needleMass − WFP): rows are softmax rows summing to 1
    // Write-aware scores (§1G): what a head adds to the generated token's logit, averaged over
    // the scored steps that carry them. Signed; not row metrics (computeRowMetrics leaves them 0).
    Write,             // "write"         direct contribution of the head's write to the token's logit
    WriteNeedle,       // "write_needle"  the part of it that comes from the needle span's keys
};
inline constexpr int kHeadMetricCount = 15;
// Sessions written before the write-aware scores hold the first 13 metrics.
inline constexpr int kReadOnlyHeadMetricCount = 13;
bool isWriteMetric(HeadMetric metric);

std::string_view headMetricName(HeadMetric metric);
// What a menu or axis shows, e.g. "InfScore", "Distracted (mass share)".
std::string_view headMetricLabel(HeadMetric metric);
// The four attention categories in display order — diligent, distracted, subconscious, diffuse
// peripheral — as counts, or as attention-mass shares.
std::array<HeadMetric, 4> attentionCategoryMetrics(bool mass);
// Accepts the names above; throws UsageError listing them otherwise.
HeadMetric parseHeadMetric(std::string_view name);
std::vector<HeadMetric> allHeadMetrics();

// All metrics of one scored row, indexed by HeadMetric.
struct RowMetrics {
    std::array<double, kHeadMetricCount> values{};

    double operator[](HeadMetric m) const { return values[static_cast<int>(m)]; }
    double& operator[](HeadMetric m) { return values[static_cast<int>(m)]; }
};

// Metrics of one row. `topK` is K_inf: only the first min(topK, stats.topIndices.size()) entries
// form the top-K set T. N = span clipped to [0, rowLength). `generatedToken` is the token emitted
// at this step; `keyIds` are the ids of the keys (the prompt ids suffice: the span lies in the
// prompt). Copy score = 1/|span| if top1 ∈ span and keyIds[top1] == generatedToken, else 0.
// R2 score = spanTopMass / |span|. Dili/Lazy/Inf are 0 where their denominators are < 1e-9.
RowMetrics computeRowMetrics(const RowStats& stats, NeedleSpan span, int32_t generatedToken,
                             std::span<const int32_t> keyIds, int topK = kDefaultTopKInfScore);

enum class ScoringMode {
    AllRows,       // r0 (last prompt row) and every decode step (HeadScope default)
    LastPromptRow, // r0 only: the DiliLazyKV-faithful reading (§1D)
};

// One scored row (step) for all layers and heads. Step 0 is r0.
struct StepStats {
    int32_t generatedToken = -1;   // token produced by this row's query
    std::vector<RowStats> rows;    // [layers, heads], layer-major
    // Direct logit contributions of each head's write at this step (§1G), [layers, heads];
    // empty when the step was not measured.
    std::vector<double> write, writeNeedle;
};

// Per-test [layers, heads] matrices for every HeadMetric.
struct TestHeadScores {
    int layers = 0;
    int heads = 0;
    int scoredRows = 0;
    std::array<std::vector<double>, kHeadMetricCount> values; // each [layers, heads]

    const std::vector<double>& of(HeadMetric m) const { return values[static_cast<int>(m)]; }
    ScoreMatrix matrix(HeadMetric m) const; // metric name filled in, QueryHead granularity
};

// Accumulates rows of one test. Rows may arrive in any order; each (step, layer, head) is
// added once. Thread-compatible, not thread-safe.
class TestScoreAccumulator {
public:
    TestScoreAccumulator(int layers, int heads, NeedleSpan span, std::vector<int32_t> keyIds,
                         int topK = kDefaultTopKInfScore, ScoringMode mode = ScoringMode::AllRows);

    // Rows with step > 0 are ignored in LastPromptRow mode. Throws UsageError on bad indices.
    void addRow(int step, int layer, int head, const RowStats& stats, int32_t generatedToken);
    void addStep(int step, const StepStats& stepStats);
    // Sums and averages as documented above; scoredRows = number of distinct steps added.
    TestHeadScores finish() const;

private:
    int m_layers, m_heads;
    NeedleSpan m_span;
    std::vector<int32_t> m_keyIds;
    int m_topK;
    ScoringMode m_mode;
    std::vector<int> m_stepsSeen;
    std::array<std::vector<double>, kHeadMetricCount> m_sums;
    std::vector<int> m_rowCounts; // [layers, heads]
    int m_writeSteps = 0;         // steps that carried write contributions
};

// Convenience: steps[0] = r0, steps[t] = decode step t.
TestHeadScores scoreTest(std::span<const StepStats> steps, int layers, int heads, NeedleSpan span,
                         std::span<const int32_t> keyIds, int topK = kDefaultTopKInfScore,
                         ScoringMode mode = ScoringMode::AllRows);

// Cross-test aggregation of one metric: the per-head mean over accepted tests (what HeadKV's
// np.mean over a score-file list computes) and the per-head lists in test order, ready for
// exportHeadKvJson. `accepted` (one flag per test, e.g. gate value > threshold) may be empty:
// every test counts. Tests must share one shape; with no accepted test the matrix is all 0.
struct AggregatedScores {
    ScoreMatrix matrix;                     // [layers, heads]
    std::vector<std::vector<double>> lists; // [layers*heads][accepted tests]
    int testsUsed = 0;
};
AggregatedScores aggregateTests(std::span<const TestHeadScores> tests, HeadMetric metric,
                                std::span<const bool> accepted = {});

} // namespace headscope
