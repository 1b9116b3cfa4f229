#include "headscope/core/comparison.h"

#include "headscope/core/compression.h"
#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace headscope {

namespace {

int32_t argmax(const std::vector<float>& logProbs)
{
    return static_cast<int32_t>(std::max_element(logProbs.begin(), logProbs.end()) - logProbs.begin());
}

} // namespace

void ComparisonRequest::validate() const
{
    if (promptIds.empty())
        throw UsageError("compare: empty prompt");
    if (!compression && maskedHeads.empty())
        throw UsageError("compare: nothing to compare the full model with: give a budget (compressed cache) or "
                         "select at least one head to mask");
    const int64_t promptLen = static_cast<int64_t>(promptIds.size());
    if (needleSpan) {
        const auto [b, e] = *needleSpan;
        if (b < 0 || e <= b || e > promptLen)
            throw UsageError("compare: needle span [" + std::to_string(b) + ", " + std::to_string(e) +
                             ") is outside the prompt of " + std::to_string(promptLen) + " tokens");
    }
}

std::string ComparisonRequest::describeVariant() const
{
    std::string out;
    if (compression) {
        const BudgetPlan& plan = compression->plan;
        double mean = 0.0;
        for (int64_t cap : plan.capacities)
            mean += static_cast<double>(cap);
        if (!plan.capacities.empty())
            mean /= static_cast<double>(plan.capacities.size());
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f", mean);
        out = "Compressed: " + (plan.method.empty() ? std::string("custom plan") : plan.method) + ", mean " + buf + " + " +
              std::to_string(plan.window) + " tokens per head";
    }
    if (!maskedHeads.empty()) {
        std::string heads;
        for (std::size_t i = 0; i < maskedHeads.size() && i < 6; ++i)
            heads += (i ? ", L" : "L") + std::to_string(maskedHeads[i].layer) + "-H" + std::to_string(maskedHeads[i].head);
        if (maskedHeads.size() > 6)
            heads += ", …";
        out += (out.empty() ? "" : "; ") + std::to_string(maskedHeads.size()) +
               (maskedHeads.size() == 1 ? " head masked: " : " heads masked: ") + heads;
    }
    return out;
}

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

Comparison compareGeneration(Generator& generator, const ComparisonRequest& request, std::stop_token stop)
{
    request.validate();
    Comparison c;
    c.variant = request.describeVariant();
    c.compression = request.compression ? request.compression->describe() : std::string();
    c.promptSource = request.promptSource;
    GenerateOptions options = request.options;
    options.keepLogProbs = true;
    options.compression = nullptr;
    options.forcedTokens.clear();
    c.full = generator.generate(request.promptIds, options, nullptr, stop);

    options.compression = request.compression;
    options.maskedHeads.insert(options.maskedHeads.end(), request.maskedHeads.begin(), request.maskedHeads.end());
    c.variantRun = generator.generate(request.promptIds, options, nullptr, stop);

    const auto& fullIds = c.full.generatedIds;
    const auto& freeIds = c.variantRun.generatedIds;
    for (std::size_t i = 0; i < std::max(fullIds.size(), freeIds.size()); ++i)
        if (i >= fullIds.size() || i >= freeIds.size() || fullIds[i] != freeIds[i]) {
            c.firstDivergence = static_cast<int>(i);
            break;
        }

    const std::vector<std::vector<float>>* forcedLogProbs = &c.variantRun.stepLogProbs;
    GenerateResult forced;
    if (c.firstDivergence) {
        options.forcedTokens = fullIds;
        options.maxNewTokens = static_cast<int>(fullIds.size());
        forced = generator.generate(request.promptIds, options, nullptr, stop);
        forcedLogProbs = &forced.stepLogProbs;
    }
    if (forcedLogProbs->size() < fullIds.size() || c.full.stepLogProbs.size() < fullIds.size())
        throw FormatError("compare: the generator returned " + std::to_string(forcedLogProbs->size()) +
                          " variant log-probability rows for " + std::to_string(fullIds.size()) + " steps");
    int agree = 0;
    for (std::size_t i = 0; i < fullIds.size(); ++i) {
        StepComparison s;
        s.fullToken = fullIds[i];
        s.variantTop1 = argmax((*forcedLogProbs)[i]);
        s.kl = klDivergence(c.full.stepLogProbs[i], (*forcedLogProbs)[i]);
        agree += s.variantTop1 == s.fullToken;
        c.meanKl += s.kl;
        c.maxKl = std::max(c.maxKl, s.kl);
        c.steps.push_back(s);
    }
    if (!c.steps.empty()) {
        c.meanKl /= static_cast<double>(c.steps.size());
        c.top1Agreement = static_cast<double>(agree) / static_cast<double>(c.steps.size());
    }

    if (request.needleSpan && request.compression) {
        // Plain variables, not a structured binding: clang 14 (the fuzzing build) cannot
        // capture bindings in the lambda below.
        const auto b = request.needleSpan->first, e = request.needleSpan->second;
        c.needleLength = e - b;
        int64_t kept = 0, heads = 0;
        for (const auto& layer : c.variantRun.keptPositions) {
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

void describeTokens(Comparison& c, const Tokenizer* tokenizer)
{
    auto texts = [tokenizer](const std::vector<int32_t>& ids) {
        std::vector<std::string> out;
        for (int32_t id : ids)
            out.push_back(tokenizer ? tokenizer->decode(std::span<const int32_t>(&id, 1))
                                    : "\u27e8" + std::to_string(id) + "\u27e9");
        return out;
    };
    c.fullTokenTexts = texts(c.full.generatedIds);
    c.variantTokenTexts = texts(c.variantRun.generatedIds);
    c.promptText = tokenizer ? tokenizer->decode(c.full.promptIds) : std::string();
}

} // namespace headscope
