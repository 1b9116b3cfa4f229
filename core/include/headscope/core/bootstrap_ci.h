#pragma once
// Percentile-bootstrap confidence intervals for a mean over examples (`eval`'s summaries,
// docs/eval_format.md "Summary"). Seeded and platform-independent: the same values and seed give
// the same interval everywhere, and two configurations evaluated on the same examples are
// resampled with the same draws (paired), so their intervals and their difference agree.
#include <cstdint>
#include <span>

namespace headscope {

inline constexpr int kDefaultBootstrapResamples = 2000;

struct MeanInterval {
    double mean = 0.0;
    double low = 0.0;  // 2.5th percentile of the resampled means
    double high = 0.0; // 97.5th percentile
    int n = 0;
};

// The mean of `values` and the 95 % interval of `resamples` means of n draws with replacement.
// Draw k of resample r is the same for every call with the same n and seed. Percentiles
// interpolate linearly between order statistics (numpy's default). n = 0 gives all zeros, n = 1
// a zero-width interval.
MeanInterval bootstrapMean(std::span<const double> values, uint64_t seed, int resamples = kDefaultBootstrapResamples);
// The same for the paired difference a − b (equal lengths; UsageError otherwise).
MeanInterval bootstrapMeanDifference(std::span<const double> a, std::span<const double> b, uint64_t seed,
                                     int resamples = kDefaultBootstrapResamples);

} // namespace headscope
