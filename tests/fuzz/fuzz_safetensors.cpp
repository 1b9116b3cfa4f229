// libFuzzer: one .safetensors file (length prefix, JSON header, data) → SafetensorsFile::open.
// Every tensor it hands out must lie inside the mapping with byteSize = numel × element size.
#include "fuzz_support.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"

#include <cstdint>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    const auto path = fuzz::scratchDir() / "model.safetensors";
    fuzz::writeFile(path, fuzz::asText(data, size));
    try {
        const auto file = SafetensorsFile::open(path);
        const std::vector<TensorView>& tensors = file->tensors();
        for (const TensorView& t : tensors) {
            uint64_t numel = 1, bytes = 0;
            for (int64_t d : t.shape) {
                HEADSCOPE_FUZZ_CHECK(d >= 0);
                HEADSCOPE_FUZZ_CHECK(!__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel));
            }
            HEADSCOPE_FUZZ_CHECK(!__builtin_mul_overflow(numel, uint64_t(elementSize(t.dtype)), &bytes));
            HEADSCOPE_FUZZ_CHECK(bytes == t.byteSize && static_cast<uint64_t>(t.numel()) == numel);
            HEADSCOPE_FUZZ_CHECK(t.byteSize <= size);
            HEADSCOPE_FUZZ_CHECK(file->find(t.name) != nullptr);
            if (t.byteSize > 0) {
                // Reading the first and last byte faults if the view leaves the mapping.
                volatile std::byte first = t.data[0], last = t.data[t.byteSize - 1];
                (void)first;
                (void)last;
            }
        }
        // No two tensors with bytes share any.
        for (const TensorView& a : tensors)
            for (const TensorView& b : tensors)
                HEADSCOPE_FUZZ_CHECK(&a == &b || a.byteSize == 0 || b.byteSize == 0 || a.data + a.byteSize <= b.data ||
                                     b.data + b.byteSize <= a.data);
    } catch (const Error&) {
    }
    return 0;
}
