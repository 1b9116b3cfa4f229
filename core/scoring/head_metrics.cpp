// Per-row metrics: the single place where docs/algorithms.md §1A/§1C/§1D formulas live.
#include "headscope/core/head_metrics.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <string>

namespace headscope {

namespace {

constexpr std::array<std::string_view, kHeadMetricCount> kMetricNames = {
    "inf",      "dili",         "lazy",       "retrieval",     "reasoning",         "diligent",       "subconscious",
    "distracted", "diffuse",    "diligent_mass", "subconscious_mass", "distracted_mass", "diffuse_mass",
    "write",    "write_needle",
};

constexpr std::array<std::string_view, kHeadMetricCount> kMetricLabels = {
    "InfScore",
    "DiliScore",
    "LazyScore",
    "Retrieval (copy)",
    "Retrieval-reasoning",
    "Diligent (count)",
    "Subconscious (count)",
    "Distracted (count)",
    "Diffuse peripheral (count)",
    "Diligent (mass share)",
    "Subconscious (mass share)",
    "Distracted (mass share)",
    "Diffuse peripheral (mass share)",
    "Write (logit contribution)",
    "Write from the needle (logit contribution)",
};

// Reference guard for the weighted precision/recall/F (§1D): 0 below this denominator.
constexpr double kTinyDenominator = 1e-9;

double safeRatio(double num, double den)
{
    return den < kTinyDenominator ? 0.0 : num / den;
}

} // namespace

std::string_view headMetricName(HeadMetric metric)
{
    return kMetricNames[static_cast<std::size_t>(metric)];
}

std::string_view headMetricLabel(HeadMetric metric)
{
    return kMetricLabels[static_cast<std::size_t>(metric)];
}

std::array<HeadMetric, 4> attentionCategoryMetrics(bool mass)
{
    if (mass)
        return {HeadMetric::DiligentMass, HeadMetric::DistractedMass, HeadMetric::SubconsciousMass, HeadMetric::DiffuseMass};
    return {HeadMetric::Diligent, HeadMetric::Distracted, HeadMetric::Subconscious, HeadMetric::Diffuse};
}

HeadMetric parseHeadMetric(std::string_view name)
{
    for (std::size_t i = 0; i < kMetricNames.size(); ++i)
        if (kMetricNames[i] == name)
            return static_cast<HeadMetric>(i);
    std::string known;
    for (std::string_view n : kMetricNames)
        known += (known.empty() ? "" : ", ") + std::string(n);
    throw UsageError("unknown head metric '" + std::string(name) + "'; expected one of: " + known);
}

bool isWriteMetric(HeadMetric metric)
{
    return metric == HeadMetric::Write || metric == HeadMetric::WriteNeedle;
}

std::vector<HeadMetric> allHeadMetrics()
{
    std::vector<HeadMetric> out;
    for (int i = 0; i < kHeadMetricCount; ++i)
        out.push_back(static_cast<HeadMetric>(i));
    return out;
}

RowMetrics computeRowMetrics(const RowStats& stats, NeedleSpan span, int32_t generatedToken,
                             std::span<const int32_t> keyIds, int topK)
{
    RowMetrics m;
    const int64_t rowLen = stats.rowLength;
    const int64_t nStart = std::clamp<int64_t>(span.start, 0, rowLen);
    const int64_t nEnd = std::clamp<int64_t>(span.end, nStart, rowLen);
    const NeedleSpan clipped{nStart, nEnd};
    const int64_t needleCount = clipped.length();

    const std::size_t kEff = std::min<std::size_t>(static_cast<std::size_t>(std::max(topK, 0)),
                                                   std::min(stats.topIndices.size(), stats.topWeights.size()));
    int64_t diligent = 0;
    double wtp = 0.0;
    double wfp = 0.0;
    for (std::size_t k = 0; k < kEff; ++k) {
        if (clipped.contains(stats.topIndices[k])) {
            ++diligent;
            wtp += stats.topWeights[k];
        } else {
            wfp += stats.topWeights[k];
        }
    }
    const int64_t distracted = static_cast<int64_t>(kEff) - diligent;
    const double wfn = std::max(0.0, stats.needleMass - wtp);

    m[HeadMetric::Diligent] = static_cast<double>(diligent);
    m[HeadMetric::Distracted] = static_cast<double>(distracted);
    m[HeadMetric::Subconscious] = static_cast<double>(needleCount - diligent);
    m[HeadMetric::Diffuse] = static_cast<double>(rowLen - needleCount - distracted);
    m[HeadMetric::DiligentMass] = wtp;
    m[HeadMetric::DistractedMass] = wfp;
    m[HeadMetric::SubconsciousMass] = wfn;
    m[HeadMetric::DiffuseMass] = std::max(0.0, 1.0 - stats.needleMass - wfp);

    const double precision = safeRatio(wtp, wtp + wfp);
    const double recall = safeRatio(wtp, wtp + wfn);
    m[HeadMetric::Dili] = precision;
    m[HeadMetric::Lazy] = recall;
    m[HeadMetric::Inf] = safeRatio(2.0 * precision * recall, precision + recall);

    // Copy and R2 divide by the reference's needle_end − needle_start (the unclipped span).
    const int64_t spanLen = span.length();
    if (spanLen > 0) {
        const int32_t top1 = stats.top1();
        const bool copies = top1 >= 0 && span.contains(top1) && static_cast<std::size_t>(top1) < keyIds.size()
                            && keyIds[static_cast<std::size_t>(top1)] == generatedToken;
        m[HeadMetric::Retrieval] = copies ? 1.0 / static_cast<double>(spanLen) : 0.0;
        m[HeadMetric::Reasoning] = stats.spanTopMass / static_cast<double>(spanLen);
    }
    return m;
}

ScoreMatrix TestHeadScores::matrix(HeadMetric m) const
{
    ScoreMatrix out;
    out.layers = layers;
    out.heads = heads;
    out.values = of(m);
    out.metric = std::string(headMetricName(m));
    out.granularity = HeadGranularity::QueryHead;
    return out;
}

} // namespace headscope
