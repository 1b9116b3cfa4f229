#include "headscope/core/confidence_interval.h"

#include <cmath>

namespace headscope {

double ci95HalfWidth(std::span<const double> values)
{
    const std::size_t n = values.size();
    if (n < 2)
        return 0.0;
    double mean = 0.0;
    for (double v : values)
        mean += v;
    mean /= static_cast<double>(n);
    double squares = 0.0;
    for (double v : values)
        squares += (v - mean) * (v - mean);
    const double variance = squares / static_cast<double>(n - 1);
    return 1.96 * std::sqrt(variance / static_cast<double>(n));
}

} // namespace headscope
