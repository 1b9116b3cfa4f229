#include "headscope/core/comparison.h"

#include "headscope/core/compression.h"
#include "headscope/core/errors.h"

#include <algorithm>
#include <cmath>

namespace headscope {

namespace {

int32_t argmax(const std::vector<float>& logProbs)
{
    return static_cast<int32_t>(std::max_element(logProbs.begin(), logProbs.end()) - logProbs.begin());
}

} // namespace

double klDivergence(std::span<const float> logP, std::span<const float> logQ)
{
    double kl = 0.0;
    for (std::size_t i = 0; i < logP.size() && i < logQ.size(); ++i) {
        const double lp = logP[i];
        if (std::isinf(lp))
            continue;
        kl += std::exp(lp) * (lp - static_cast<double>(logQ[i]));
    }
    return std::max(kl, 0.0); // rounding can leave −1e-9 for identical rows
}

Comparison compareGeneration(Generator& engine, const ComparisonRequest& request, std::stop_token stop)
{
    if (!request.compression)
        throw UsageError("compare: no compression given (a budget file is required)");
    const int64_t promptLen = static_cast<int64_t>(request.promptIds.size());
    if (request.needleSpan) {
        const auto [b, e] = *request.needleSpan;
        if (b < 0 || e <= b || e > promptLen)
            throw UsageError("compare: needle span [" + std::to_string(b) + ", " + std::to_string(e) +
                             ") is outside the prompt of " + std::to_string(promptLen) + " tokens");
    }
    Comparison c;
    c.compression = request.compression->describe();
    GenerateOptions options = request.options;
    options.keepLogProbs = true;
    options.compression = nullptr;
    options.forcedTokens.clear();
    c.full = engine.generate(request.promptIds, options, nullptr, stop);

    options.compression = request.compression;
    c.compressed = engine.generate(request.promptIds, options, nullptr, stop);

    const auto& fullIds = c.full.generatedIds;
    const auto& freeIds = c.compressed.generatedIds;
    for (std::size_t i = 0; i < std::max(fullIds.size(), freeIds.size()); ++i)
        if (i >= fullIds.size() || i >= freeIds.size() || fullIds[i] != freeIds[i]) {
            c.firstDivergence = static_cast<int>(i);
            break;
        }

    const std::vector<std::vector<float>>* forcedLogProbs = &c.compressed.stepLogProbs;
    GenerateResult forced;
    if (c.firstDivergence) {
        options.forcedTokens = fullIds;
        options.maxNewTokens = static_cast<int>(fullIds.size());
        forced = engine.generate(request.promptIds, options, nullptr, stop);
        forcedLogProbs = &forced.stepLogProbs;
    }
    int agree = 0;
    for (std::size_t i = 0; i < fullIds.size(); ++i) {
        StepComparison s;
        s.fullToken = fullIds[i];
        s.compressedTop1 = argmax((*forcedLogProbs)[i]);
        s.kl = klDivergence(c.full.stepLogProbs[i], (*forcedLogProbs)[i]);
        agree += s.compressedTop1 == s.fullToken;
        c.meanKl += s.kl;
        c.maxKl = std::max(c.maxKl, s.kl);
        c.steps.push_back(s);
    }
    if (!c.steps.empty()) {
        c.meanKl /= static_cast<double>(c.steps.size());
        c.top1Agreement = static_cast<double>(agree) / static_cast<double>(c.steps.size());
    }

    if (request.needleSpan) {
        const auto [b, e] = *request.needleSpan;
        c.needleLength = e - b;
        int64_t kept = 0, heads = 0;
        for (const auto& layer : c.compressed.keptPositions) {
            auto& row = c.needleKept.emplace_back();
            for (const auto& head : layer) {
                const auto n = std::count_if(head.begin(), head.end(), [&](int32_t p) { return p >= b && p < e; });
                row.push_back(n);
                kept += n;
                ++heads;
            }
        }
        c.needleKeptFraction = heads > 0 ? static_cast<double>(kept) / static_cast<double>(heads * c.needleLength) : 0.0;
    }
    return c;
}

} // namespace headscope
