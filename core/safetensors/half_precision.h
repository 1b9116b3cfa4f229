#pragma once
// float32 ↔ bfloat16 / float16 bit conversions (round to nearest, ties to even), used when
// writing checkpoints. Reading is done by the engine with torch.
#include <cstdint>
#include <cstring>

namespace headscope {

inline uint16_t floatToBf16(float value)
{
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu))
        return static_cast<uint16_t>((bits >> 16) | 0x40u); // keep NaN a NaN
    const uint32_t roundingBias = 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>((bits + roundingBias) >> 16);
}

inline float bf16ToFloat(uint16_t value)
{
    const uint32_t bits = static_cast<uint32_t>(value) << 16;
    float out = 0.0f;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

uint16_t floatToF16(float value);
float f16ToFloat(uint16_t value);

} // namespace headscope
