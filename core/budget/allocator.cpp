// Score-free and score-file allocators: uniform SnapKV, PyramidKV, HeadKV, DiliLazyKV
// (docs/algorithms.md §3A, §3B, §4C). All arithmetic is float64 like the references' numpy/torch
// float64 tensors, and every rounding is half-to-even like torch.round.
#include "headscope/core/allocator.h"

#include "headscope/core/errors.h"
#include "python_math.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace headscope {

namespace detail {

double pyFloorDiv(double a, double b)
{
    double mod = std::fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0.0 && ((b < 0) != (mod < 0))) {
        mod += b;
        div -= 1.0;
    }
    if (div == 0.0) return std::copysign(0.0, a / b);
    double floored = std::floor(div);
    if (div - floored > 0.5) floored += 1.0;
    return floored;
}

} // namespace detail

int64_t roundHalfEven(double value)
{
    return static_cast<int64_t>(std::nearbyint(value)); // default FE_TONEAREST: ties to even
}

namespace {

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void checkParams(const AllocationParams& p)
{
    p.validate();
}

// The scores raised to --temp must stay finite, and keep a positive sum when the scores have
// one: a large temp overflows or underflows them, and the capacities would be garbage (or
// silently uniform).
void checkWeights(const std::vector<double>& weights, const ScoreMatrix& scores, AllocationMethod m, double temp)
{
    double sum = 0.0;
    for (double w : weights)
        sum += w;
    const bool scored = std::any_of(scores.values.begin(), scores.values.end(), [](double v) { return v > 0.0; });
    if (!std::isfinite(sum) || (scored && !(sum > 0.0)))
        throw UsageError(std::string(allocationMethodName(m)) + " allocation: --temp " + number(temp) +
                         ": the scores raised to this power " + (std::isfinite(sum) ? "underflow to 0" : "overflow") +
                         "; use a smaller temperature");
}

BudgetPlan emptyPlan(AllocationMethod method, int layers, int heads, const AllocationParams& p)
{
    if (layers <= 0 || heads <= 0)
        throw UsageError("allocation: layers and heads must be positive, got " + std::to_string(layers) + "x"
                         + std::to_string(heads));
    BudgetPlan plan;
    plan.method = std::string(allocationMethodName(method));
    plan.layers = layers;
    plan.heads = heads;
    plan.window = p.window;
    plan.capacities.assign(static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads), 0);
    plan.parameters["base_capacity"] = static_cast<double>(p.baseCapacity);
    plan.parameters["window"] = p.window;
    if (p.promptLength) plan.parameters["prompt_length"] = static_cast<double>(*p.promptLength);
    return plan;
}

// Scores as the references use them: finite and non-negative.
void checkScores(const ScoreMatrix& s, AllocationMethod m)
{
    const std::string method(allocationMethodName(m));
    if (s.layers <= 0 || s.heads <= 0 || s.values.size() != static_cast<std::size_t>(s.layers) * s.heads)
        throw UsageError(method + " allocation: score matrix " + std::to_string(s.layers) + "x" + std::to_string(s.heads)
                         + " holds " + std::to_string(s.values.size()) + " values");
    for (std::size_t i = 0; i < s.values.size(); ++i)
        if (!std::isfinite(s.values[i]) || s.values[i] < 0.0)
            throw UsageError(method + " allocation: score of head " + std::to_string(i / s.heads) + "-"
                             + std::to_string(i % s.heads) + " must be finite and >= 0, got " + std::to_string(s.values[i]));
}

} // namespace

void AllocationParams::validate() const
{
    if (window < 0 || baseCapacity <= window)
        throw UsageError("allocation: base capacity (" + std::to_string(baseCapacity) + ") must exceed the window ("
                         + std::to_string(window) + ")");
    if (!(std::isfinite(beta) && beta >= 1.0))
        throw UsageError("allocation: --beta must be a finite number >= 1 (the uniform floor b - b//beta is "
                         "negative below 1), got " + number(beta));
    if (!(std::isfinite(temp) && temp > 0.0))
        throw UsageError("allocation: --temp must be a finite number > 0, got " + number(temp));
    if (!(std::isfinite(pyramidBeta) && pyramidBeta > 0.0))
        throw UsageError("allocation: the PyramidKV beta must be a finite number > 0, got " + number(pyramidBeta));
    if (!(std::isfinite(epsLayer) && epsLayer >= 0.0))
        throw UsageError("allocation: eps_layer must be a finite number >= 0, got " + number(epsLayer));
    if (!(std::isfinite(epsHead) && epsHead >= 0.0))
        throw UsageError("allocation: eps_head must be a finite number >= 0, got " + number(epsHead));
    if (!(adaFloorAlpha >= 0.0 && adaFloorAlpha <= 1.0))
        throw UsageError("allocation: --floor-alpha must be in [0, 1], got " + number(adaFloorAlpha));
    if (promptLength && *promptLength < 1)
        throw UsageError("allocation: --context-length must be >= 1, got " + std::to_string(*promptLength));
}

BudgetPlan allocateUniform(int layers, int heads, const AllocationParams& params)
{
    checkParams(params);
    BudgetPlan plan = emptyPlan(AllocationMethod::Uniform, layers, heads, params);
    std::fill(plan.capacities.begin(), plan.capacities.end(), params.baseCapacity - params.window);
    return plan;
}

BudgetPlan allocatePyramid(int layers, int heads, const AllocationParams& params)
{
    checkParams(params);
    BudgetPlan plan = emptyPlan(AllocationMethod::Pyramid, layers, heads, params);
    plan.parameters["pyramid_beta"] = params.pyramidBeta;
    const int64_t b = params.baseCapacity - params.window;
    if (params.promptLength) {
        const int64_t qLen = *params.promptLength;
        // KVCache-Factory: short prompts are not compressed; medium ones get uniform SnapKV.
        if (qLen < params.baseCapacity) {
            std::fill(plan.capacities.begin(), plan.capacities.end(), std::max<int64_t>(qLen - params.window, 0));
            return plan;
        }
        if (qLen < 2 * b) {
            std::fill(plan.capacities.begin(), plan.capacities.end(), b);
            return plan;
        }
    }
    double minNum = detail::pyFloorDiv(static_cast<double>(b), params.pyramidBeta);
    double maxNum = 2.0 * static_cast<double>(b) - minNum;
    if (params.promptLength && maxNum >= static_cast<double>(*params.promptLength - params.window)) {
        maxNum = static_cast<double>(*params.promptLength - params.window);
        minNum = 2.0 * static_cast<double>(b) - maxNum;
    }
    const double steps = layers > 1 ? detail::pyFloorDiv(maxNum - minNum, layers - 1) : 0.0;
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h)
            plan.at(l, h) = static_cast<int64_t>(maxNum - l * steps);
    return plan;
}

BudgetPlan allocateHeadKv(const ScoreMatrix& scores, const AllocationParams& params)
{
    checkParams(params);
    checkScores(scores, AllocationMethod::HeadKv);
    BudgetPlan plan = emptyPlan(AllocationMethod::HeadKv, scores.layers, scores.heads, params);
    plan.parameters["beta"] = params.beta;
    plan.parameters["temp"] = params.temp;
    plan.granularity = scores.granularity;
    plan.provenance = scores.provenance;
    const double total = std::accumulate(scores.values.begin(), scores.values.end(), 0.0);
    if (!(total > 0.0))
        throw UsageError("headkv allocation: scores sum to " + std::to_string(total) + "; expected a positive sum");
    std::vector<double> p(scores.values.size());
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::pow(scores.values[i] / total, params.temp);
    checkWeights(p, scores, AllocationMethod::HeadKv, params.temp);
    const double pSum = std::accumulate(p.begin(), p.end(), 0.0);
    const double b = static_cast<double>(params.baseCapacity - params.window);
    const double share = detail::pyFloorDiv(b, params.beta);
    const double pool = share * scores.layers * scores.heads;
    const double minNum = b - share;
    for (std::size_t i = 0; i < p.size(); ++i)
        plan.capacities[i] = roundHalfEven(p[i] / pSum * pool + minNum);
    return plan;
}

BudgetPlan allocateDiliLazyKv(const ScoreMatrix& scores, const AllocationParams& params)
{
    checkParams(params);
    checkScores(scores, AllocationMethod::DiliLazyKv);
    BudgetPlan plan = emptyPlan(AllocationMethod::DiliLazyKv, scores.layers, scores.heads, params);
    plan.parameters["beta"] = params.beta;
    plan.parameters["temp"] = params.temp;
    plan.parameters["eps_layer"] = params.epsLayer;
    plan.parameters["eps_head"] = params.epsHead;
    plan.granularity = scores.granularity;
    plan.provenance = scores.provenance;
    const int L = scores.layers, H = scores.heads;
    std::vector<double> sa(scores.values.size());
    for (std::size_t i = 0; i < sa.size(); ++i) sa[i] = std::pow(scores.values[i], params.temp);
    checkWeights(sa, scores, AllocationMethod::DiliLazyKv, params.temp);
    std::vector<double> adjusted(sa.size());
    for (int l = 0; l < L; ++l) {
        double layerSum = 0.0;
        for (int h = 0; h < H; ++h) layerSum += sa[static_cast<std::size_t>(l) * H + h];
        for (int h = 0; h < H; ++h) {
            const std::size_t i = static_cast<std::size_t>(l) * H + h;
            adjusted[i] = sa[i] + params.epsLayer * sa[i] / (layerSum + 1e-9);
        }
    }
    const double adjustedSum = std::accumulate(adjusted.begin(), adjusted.end(), 0.0);
    const double b = static_cast<double>(params.baseCapacity - params.window);
    const double share = detail::pyFloorDiv(b, params.beta);
    const double pool = std::max(share * L * H - L * H * params.epsHead, 0.0);
    const double minNum = b - share;
    for (std::size_t i = 0; i < adjusted.size(); ++i)
        plan.capacities[i] = roundHalfEven(adjusted[i] / (adjustedSum + 1e-9) * pool + minNum + params.epsHead);
    return plan;
}

BudgetPlan allocate(AllocationMethod method, const ScoreMatrix* scores, int layers, int heads,
                    const AllocationParams& params)
{
    if (needsHeadScores(method)) {
        if (!scores)
            throw UsageError("method '" + std::string(allocationMethodName(method)) +
                             "' needs head scores (--scores or --session)");
        // The write-aware scores are signed — a head can push the token down — and a negative
        // contribution earns a head no more budget than none (docs/algorithms.md §1G).
        ScoreMatrix clipped;
        if (scores->metric == "write" || scores->metric == "write_needle") {
            clipped = *scores;
            for (double& v : clipped.values)
                v = std::max(v, 0.0);
            scores = &clipped;
        }
        return method == AllocationMethod::HeadKv ? allocateHeadKv(*scores, params) : allocateDiliLazyKv(*scores, params);
    }
    if (scores) {
        layers = scores->layers;
        heads = scores->heads;
    }
    BudgetPlan plan = method == AllocationMethod::Pyramid ? allocatePyramid(layers, heads, params)
                                                          : allocateUniform(layers, heads, params);
    if (method == AllocationMethod::AdaKv) {
        // The per-layer budget only: the compressed cache splits it across heads at prefill.
        plan.method = std::string(allocationMethodName(AllocationMethod::AdaKv));
        plan.parameters["floor_alpha"] = params.adaFloorAlpha;
    }
    if (scores) {
        plan.granularity = scores->granularity;
        plan.provenance = scores->provenance;
    }
    return plan;
}

BudgetPlan allocateByName(const std::string& method, const ScoreMatrix* scores, int layers, int heads,
                          const AllocationParams& params)
{
    return allocate(parseAllocationMethod(method), scores, layers, heads, params);
}

} // namespace headscope
