#pragma once
// The 95 % confidence interval HeadScope reports for a mean over tests (session aggregates, score
// files with per-test lists, the views' tooltips), computed here and nowhere else.
#include <span>

namespace headscope {

// Half-width of the normal-approximation interval, 1.96 · s / √n, with s the sample standard
// deviation (n − 1 in the denominator). 0 for fewer than two values.
double ci95HalfWidth(std::span<const double> values);

} // namespace headscope
