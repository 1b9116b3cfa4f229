#include "headscope/core/bootstrap_ci.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace headscope {

namespace {

// A uniform index in [0, n) from mt19937_64 (whose output sequence the C++ standard fixes) by
// rejection, so no library's distribution algorithm enters the result.
uint64_t uniformIndex(std::mt19937_64& rng, uint64_t n)
{
    const uint64_t threshold = (0 - n) % n; // 2^64 mod n
    for (;;) {
        const uint64_t r = rng();
        if (r >= threshold)
            return r % n;
    }
}

double percentile(const std::vector<double>& sorted, double q)
{
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

MeanInterval bootstrap(std::span<const double> v, uint64_t seed, int resamples)
{
    MeanInterval out;
    out.n = static_cast<int>(v.size());
    if (v.empty())
        return out;
    double sum = 0.0;
    for (double x : v)
        sum += x;
    out.mean = sum / static_cast<double>(v.size());
    if (v.size() == 1 || resamples < 1) {
        out.low = out.high = out.mean;
        return out;
    }
    std::mt19937_64 rng(seed);
    std::vector<double> means(static_cast<std::size_t>(resamples));
    for (double& m : means) {
        double s = 0.0;
        for (std::size_t k = 0; k < v.size(); ++k)
            s += v[uniformIndex(rng, v.size())];
        m = s / static_cast<double>(v.size());
    }
    std::sort(means.begin(), means.end());
    out.low = percentile(means, 0.025);
    out.high = percentile(means, 0.975);
    return out;
}

} // namespace

MeanInterval bootstrapMean(std::span<const double> values, uint64_t seed, int resamples)
{
    return bootstrap(values, seed, resamples);
}

MeanInterval bootstrapMeanDifference(std::span<const double> a, std::span<const double> b, uint64_t seed,
                                     int resamples)
{
    if (a.size() != b.size())
        throw UsageError("bootstrap: paired difference of " + std::to_string(a.size()) + " and " +
                         std::to_string(b.size()) + " values");
    std::vector<double> d(a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        d[i] = a[i] - b[i];
    return bootstrap(d, seed, resamples);
}

} // namespace headscope
