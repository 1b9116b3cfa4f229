// libFuzzer: NumPy .npy arrays (kvpress LUKVPress budget curves) → readNpyFloat64. An accepted
// array holds exactly the values its shape names; written back with writeNpyFloat64 it reads
// back bit for bit.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_formats.h"

#include <cstdint>
#include <cstring>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    NpyArray a;
    try {
        a = readNpyFloat64(fuzz::asText(data, size), "curves.npy");
    } catch (const Error&) {
        return 0;
    }
    std::size_t count = 1;
    bool wrapped = false;
    for (std::size_t d : a.shape)
        wrapped = __builtin_mul_overflow(count, d, &count) || wrapped;
    HEADSCOPE_FUZZ_CHECK(!wrapped || count == 0);
    HEADSCOPE_FUZZ_CHECK(count == a.values.size());
    HEADSCOPE_FUZZ_CHECK(a.values.size() * 4 <= size);
    const std::string written = writeNpyFloat64(a.values, a.shape);
    const NpyArray back = readNpyFloat64(written, "written.npy");
    HEADSCOPE_FUZZ_CHECK(back.shape == a.shape && back.values.size() == a.values.size());
    HEADSCOPE_FUZZ_CHECK(a.values.empty() || std::memcmp(back.values.data(), a.values.data(), a.values.size() * sizeof(double)) == 0);
    return 0;
}
