// Writes .safetensors files: header JSON padded with spaces so the data region starts on an
// 8-byte boundary (as the reference writer does), tensors in the order given, written to a
// temporary file and renamed so a reader never sees half a file.
#include "half_precision.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <algorithm>
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

// Encodes `count` values of `dtype` starting at `values` onto the end of `out`.
void appendEncoded(std::string& out, ElementType dtype, const float* values, std::size_t count)
{
    switch (dtype) {
    case ElementType::F32:
        out.append(reinterpret_cast<const char*>(values), count * sizeof(float));
        return;
    case ElementType::BF16:
    case ElementType::F16:
        for (std::size_t i = 0; i < count; ++i) {
            const uint16_t h = dtype == ElementType::BF16 ? floatToBf16(values[i]) : floatToF16(values[i]);
            out.push_back(static_cast<char>(h & 0xff));
            out.push_back(static_cast<char>(h >> 8));
        }
        return;
    default:
        break;
    }
}

int64_t numelOf(const std::vector<int64_t>& shape)
{
    int64_t numel = 1;
    for (int64_t d : shape)
        numel *= d;
    return numel;
}

} // namespace

void writeSafetensorsStreamed(const std::filesystem::path& path, std::span<const TensorLayout> layout,
                              const TensorProducer& produce, const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header;
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::size_t offset = 0;
    for (const TensorLayout& t : layout) {
        if (t.dtype != ElementType::F32 && t.dtype != ElementType::BF16 && t.dtype != ElementType::F16)
            throw UsageError("writeSafetensors: tensor \"" + t.name + "\": only F32, BF16 and F16 can be written, got " +
                             std::string(elementTypeName(t.dtype)));
        const std::size_t bytes = static_cast<std::size_t>(numelOf(t.shape)) * elementSize(t.dtype);
        header[t.name] = {{"dtype", std::string(elementTypeName(t.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string headerText = header.dump();
    while ((8 + headerText.size()) % 8 != 0)
        headerText.push_back(' ');
    const uint64_t headerLen = headerText.size();

    const std::filesystem::path tmp = path.string() + ".tmp";
    try {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw LoadError(tmp.string() + ": cannot create");
        char lenBytes[8];
        for (int i = 0; i < 8; ++i)
            lenBytes[i] = static_cast<char>((headerLen >> (8 * i)) & 0xff);
        out.write(lenBytes, 8);
        out.write(headerText.data(), static_cast<std::streamsize>(headerText.size()));
        std::vector<float> values;
        std::string encoded;
        for (std::size_t i = 0; i < layout.size(); ++i) {
            const TensorLayout& t = layout[i];
            values.clear();
            produce(i, values);
            const int64_t numel = numelOf(t.shape);
            if (numel != static_cast<int64_t>(values.size()))
                throw UsageError("writeSafetensors: tensor \"" + t.name + "\" has " + std::to_string(values.size()) +
                                 " values for a shape of " + std::to_string(numel) + " elements");
            // Encoded in slices so a multi-gigabyte tensor never exists twice in memory.
            constexpr std::size_t kSlice = std::size_t(1) << 20;
            for (std::size_t b = 0; b < values.size(); b += kSlice) {
                encoded.clear();
                appendEncoded(encoded, t.dtype, values.data() + b, std::min(kSlice, values.size() - b));
                out.write(encoded.data(), static_cast<std::streamsize>(encoded.size()));
            }
        }
        if (!out)
            throw LoadError(tmp.string() + ": write failed");
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    std::filesystem::rename(tmp, path);
}

void writeSafetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                      const std::map<std::string, std::string>& metadata)
{
    std::vector<TensorLayout> layout;
    for (const TensorToWrite& t : tensors) {
        if (numelOf(t.shape) != static_cast<int64_t>(t.values.size()))
            throw UsageError("writeSafetensors: tensor \"" + t.name + "\" has " + std::to_string(t.values.size()) +
                             " values for a shape of " + std::to_string(numelOf(t.shape)) + " elements");
        layout.push_back({t.name, t.dtype, t.shape});
    }
    writeSafetensorsStreamed(
        path, layout,
        [&](std::size_t i, std::vector<float>& values) { values = tensors[i].values; }, metadata);
}

} // namespace headscope
