// Writes .safetensors files: header JSON padded with spaces so the data region starts on an
// 8-byte boundary (as the reference writer does), tensors in the order given, written to a
// temporary file and renamed so a reader never sees half a file.
#include "half_precision.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace headscope {

uint16_t floatToF16(float value)
{
    uint32_t x = 0;
    std::memcpy(&x, &value, sizeof x);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t absBits = x & 0x7fffffffu;
    if (absBits >= 0x7f800000u) // inf or NaN
        return static_cast<uint16_t>(sign | 0x7c00u | (absBits > 0x7f800000u ? 0x200u : 0u));
    if (absBits >= 0x477ff000u) // rounds past the largest half: overflow to inf
        return static_cast<uint16_t>(sign | 0x7c00u);
    if (absBits < 0x38800000u) { // subnormal or zero in half precision
        float magnitude = 0.0f;
        std::memcpy(&magnitude, &absBits, sizeof magnitude);
        const float scaled = magnitude * 16777216.0f; // 2^24: units of the smallest half subnormal
        const auto rounded = static_cast<uint32_t>(std::nearbyint(scaled));
        return static_cast<uint16_t>(sign | rounded);
    }
    const uint32_t exponent = ((absBits >> 23) - 112u) << 10; // rebias 127 → 15
    const uint32_t mantissa = absBits & 0x7fffffu;
    uint32_t half = exponent | (mantissa >> 13);
    const uint32_t rest = mantissa & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
        ++half;
    return static_cast<uint16_t>(sign | half);
}

float f16ToFloat(uint16_t h)
{
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    float out = 0.0f;
    if (exponent == 0) {
        out = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -out : out;
    }
    uint32_t bits = 0;
    if (exponent == 31)
        bits = sign | 0x7f800000u | (mantissa << 13);
    else
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

namespace {

void appendEncoded(std::string& out, const TensorToWrite& t)
{
    switch (t.dtype) {
    case ElementType::F32:
        out.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float));
        return;
    case ElementType::BF16:
    case ElementType::F16:
        for (float v : t.values) {
            const uint16_t h = t.dtype == ElementType::BF16 ? floatToBf16(v) : floatToF16(v);
            out.push_back(static_cast<char>(h & 0xff));
            out.push_back(static_cast<char>(h >> 8));
        }
        return;
    default:
        throw UsageError("writeSafetensors: tensor \"" + t.name + "\": only F32, BF16 and F16 can be written, got " +
                         std::string(elementTypeName(t.dtype)));
    }
}

} // namespace

void writeSafetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                      const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header;
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::string data;
    for (const TensorToWrite& t : tensors) {
        int64_t numel = 1;
        for (int64_t d : t.shape)
            numel *= d;
        if (numel != static_cast<int64_t>(t.values.size()))
            throw UsageError("writeSafetensors: tensor \"" + t.name + "\" has " + std::to_string(t.values.size()) +
                             " values for a shape of " + std::to_string(numel) + " elements");
        const std::size_t begin = data.size();
        appendEncoded(data, t);
        header[t.name] = {{"dtype", std::string(elementTypeName(t.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", {begin, data.size()}}};
    }
    std::string headerText = header.dump();
    while ((8 + headerText.size()) % 8 != 0)
        headerText.push_back(' ');
    const uint64_t headerLen = headerText.size();

    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw LoadError(tmp.string() + ": cannot create");
        char lenBytes[8];
        for (int i = 0; i < 8; ++i)
            lenBytes[i] = static_cast<char>((headerLen >> (8 * i)) & 0xff);
        out.write(lenBytes, 8);
        out.write(headerText.data(), static_cast<std::streamsize>(headerText.size()));
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!out)
            throw LoadError(tmp.string() + ": write failed");
    }
    std::filesystem::rename(tmp, path);
}

} // namespace headscope
