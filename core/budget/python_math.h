#pragma once
// Python float semantics the reference allocators rely on: `a // b` on floats and round().
// Exact emulation matters: HeadKV's `120 // 1.2` is 100.0 in Python although 120/1.2 is not
// exactly 100 in binary floating point.
namespace headscope::detail {

// Python's float floor division (CPython float_floor_div: fmod-based, corrected to the nearest
// integer when the quotient is within rounding of it).
double pyFloorDiv(double a, double b);

} // namespace headscope::detail
