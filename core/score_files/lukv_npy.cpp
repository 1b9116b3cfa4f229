// kvpress LUKVPress budget curves (docs/score_formats.md §lukv) and the .npy container.
// LUKVPress loads np.load(…, allow_pickle=False) of shape [99, num_layers, num_key_value_heads]
// and, at compression ratio c, prunes fraction curves[round(100·c) − 1, layer, kv_head] of that
// head's tokens (keep rate 1 − p, clamped to [0, 1]). HeadScope fills the 99 slices from scores:
// at ratio c every head keeps (1 − c)·(α + (1 − α)·N·s_h/Σs) of its tokens (N heads in all), the
// shares above 1 are capped and their excess handed to the other heads in proportion to their
// keep, so the mean prune fraction over all heads is exactly c.
#include "headscope/core/errors.h"
#include "score_format_impls.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace headscope {

namespace {

static_assert(std::endian::native == std::endian::little, ".npy writer assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";

std::string shapeTuple(std::span<const std::size_t> shape)
{
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

} // namespace

std::string writeNpyFloat64(std::span<const double> values, std::span<const std::size_t> shape)
{
    std::size_t count = 1;
    for (std::size_t d : shape)
        count *= d;
    if (count != values.size())
        throw UsageError(".npy: shape " + shapeTuple(shape) + " holds " + std::to_string(count) + " values, got " +
                         std::to_string(values.size()));
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shapeTuple(shape) + ", }";
    // magic (6) + version (2) + header length (2) + header, padded with spaces and ended by '\n'
    // so the data starts on a 64-byte boundary (numpy/lib/format.py, ARRAY_ALIGN = 64).
    const std::size_t prefix = 10;
    const std::size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
    header.append(total - prefix - header.size() - 1, ' ');
    header += '\n';
    if (header.size() > 65535)
        throw UsageError(".npy: header too long for format version 1.0");
    std::string out(kMagic, 6);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>((header.size() >> 8) & 0xff);
    out += header;
    const std::size_t dataStart = out.size();
    out.resize(dataStart + values.size() * sizeof(double));
    if (!values.empty())
        std::memcpy(out.data() + dataStart, values.data(), values.size() * sizeof(double));
    return out;
}

NpyArray readNpyFloat64(std::string_view bytes, const std::string& source)
{
    auto fail = [&](const std::string& what) { throw FormatError(withFile(".npy: " + what, source)); };
    if (bytes.size() < 10 || bytes.substr(0, 6) != std::string_view(kMagic, 6))
        fail("missing the \\x93NUMPY magic");
    const auto major = static_cast<unsigned char>(bytes[6]);
    std::size_t headerLength = 0, headerStart = 0;
    if (major == 1) {
        headerLength = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            fail("truncated header");
        for (int i = 3; i >= 0; --i)
            headerLength = (headerLength << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
        headerStart = 12;
    } else {
        fail("format version " + std::to_string(major) + " is not supported (expected 1, 2 or 3)");
    }
    if (headerStart + headerLength > bytes.size())
        fail("header of " + std::to_string(headerLength) + " bytes runs past the end of the file");
    const std::string_view header = bytes.substr(headerStart, headerLength);
    auto valueOf = [&](std::string_view key) {
        const auto k = header.find(key);
        if (k == std::string_view::npos)
            fail("header has no " + std::string(key) + ": " + std::string(header.substr(0, 80)));
        return header.substr(k + key.size());
    };
    auto startsWith = [](std::string_view v, std::string_view prefix) {
        while (!v.empty() && v.front() == ' ')
            v.remove_prefix(1);
        return v.substr(0, prefix.size()) == prefix;
    };
    const std::string_view descr = valueOf("'descr':");
    std::size_t itemSize = 8;
    if (startsWith(descr, "'<f8'"))
        itemSize = 8;
    else if (startsWith(descr, "'<f4'"))
        itemSize = 4;
    else
        fail("dtype " + std::string(descr.substr(0, descr.find(','))) + " is not little-endian float64 or float32");
    if (!startsWith(valueOf("'fortran_order':"), "False"))
        fail("Fortran-order arrays are not supported");
    std::string_view shape = valueOf("'shape':");
    const auto open = shape.find('('), close = shape.find(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        fail("malformed shape in header");
    shape = shape.substr(open + 1, close - open - 1);
    NpyArray a;
    std::size_t count = 1;
    for (std::size_t p = 0; p < shape.size();) {
        while (p < shape.size() && (shape[p] == ' ' || shape[p] == ','))
            ++p;
        if (p >= shape.size())
            break;
        std::size_t d = 0, digits = 0;
        while (p < shape.size() && shape[p] >= '0' && shape[p] <= '9') {
            d = d * 10 + static_cast<std::size_t>(shape[p++] - '0');
            if (++digits > 12)
                fail("shape dimension too large");
        }
        if (digits == 0)
            fail("malformed shape in header");
        a.shape.push_back(d);
    }
    // Checked: dimensions whose product wraps around 2^64 could otherwise match a short file. A
    // zero dimension anywhere makes an empty array, whatever the others are.
    if (std::find(a.shape.begin(), a.shape.end(), std::size_t{0}) != a.shape.end()) {
        count = 0;
    } else {
        for (std::size_t d : a.shape) {
            if (count > (bytes.size() / itemSize) / d)
                fail("shape " + std::string(shape) + " holds more values than the file's " + std::to_string(bytes.size()) + " bytes");
            count *= d;
        }
    }
    const std::size_t dataStart = headerStart + headerLength;
    if (bytes.size() - dataStart != count * itemSize)
        fail("expected " + std::to_string(count * itemSize) + " data bytes for shape " + shapeTuple(a.shape) + ", found " +
             std::to_string(bytes.size() - dataStart));
    a.values.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (itemSize == 8) {
            std::memcpy(&a.values[i], bytes.data() + dataStart + i * 8, 8);
        } else {
            float f = 0.0f;
            std::memcpy(&f, bytes.data() + dataStart + i * 4, 4);
            a.values[i] = f;
        }
    }
    return a;
}

namespace detail {

std::vector<ScoreFileOutput> writeLuKvNpy(const ScoreMatrix& matrix, const ScoreExportOptions& options)
{
    const ScoreMatrix kv = kvHeadMatrixFor(matrix, options, "lukv");
    const double alpha = options.floorAlpha;
    if (!(alpha >= 0.0 && alpha <= 1.0))
        throw UsageError("lukv: --floor-alpha must be in [0, 1], got " + std::to_string(alpha));
    const std::size_t n = kv.values.size();
    double total = 0.0;
    for (std::size_t c = 0; c < n; ++c) {
        const double v = kv.values[c];
        if (!std::isfinite(v) || v < 0.0)
            throw UsageError("lukv: scores must be finite and non-negative; head " + std::to_string(c / static_cast<std::size_t>(kv.heads)) +
                             "-" + std::to_string(c % static_cast<std::size_t>(kv.heads)) + " is " + std::to_string(v));
        total += v;
    }
    if (total <= 0.0 && alpha < 1.0)
        throw UsageError("lukv: every score is 0, so scores cannot share the budget; use --floor-alpha 1 for a uniform curve");
    const auto N = static_cast<double>(n);
    std::vector<double> curves;
    curves.reserve(99 * n);
    std::vector<double> keep(n);
    std::vector<bool> capped(n);
    for (int r = 1; r <= 99; ++r) {
        const double meanKeep = 1.0 - r / 100.0;
        for (std::size_t c = 0; c < n; ++c)
            keep[c] = meanKeep * (alpha + (total > 0.0 ? (1.0 - alpha) * N * kv.values[c] / total : 0.0));
        std::fill(capped.begin(), capped.end(), false);
        // Water-filling: a head cannot keep more than all of its tokens.
        for (std::size_t round = 0; round < n; ++round) {
            double excess = 0.0, open = 0.0;
            for (std::size_t c = 0; c < n; ++c)
                if (!capped[c] && keep[c] > 1.0) {
                    excess += keep[c] - 1.0;
                    keep[c] = 1.0;
                    capped[c] = true;
                }
            if (excess <= 0.0)
                break;
            std::size_t openCount = 0;
            for (std::size_t c = 0; c < n; ++c)
                if (!capped[c]) {
                    open += keep[c];
                    ++openCount;
                }
            if (openCount == 0)
                break;
            for (std::size_t c = 0; c < n; ++c)
                if (!capped[c])
                    keep[c] += open > 0.0 ? excess * keep[c] / open : excess / static_cast<double>(openCount);
        }
        for (std::size_t c = 0; c < n; ++c)
            curves.push_back(std::clamp(1.0 - keep[c], 0.0, 1.0));
    }
    const std::size_t shape[] = {99, static_cast<std::size_t>(kv.layers), static_cast<std::size_t>(kv.heads)};
    return {{"", writeNpyFloat64(curves, shape)}};
}

} // namespace detail

} // namespace headscope
