// The one-row Linear of decode: y = x · Wᵀ (+ b) for x [1, in], W [out, in] as stored. Memory
// bound: a decode step streams every weight once, so what matters is streaming each row at the
// rate the memory system allows and keeping every core streaming (docs/performance.md).
#include "cpu_kernels.h"

#include "cpu_pool.h"
#include "simd_avx512.h"

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

namespace headscope::model::cpu {

namespace {

std::atomic<RowKernel> g_forced{RowKernel::Auto};

// Rows are split into chunks of about this many weight bytes, claimed one at a time by the
// threads (cpu_pool.h); a matrix under kParallelBytes runs on the calling thread.
constexpr int64_t kChunkBytes = int64_t(128) << 10;
constexpr int64_t kParallelBytes = int64_t(256) << 10;
constexpr std::size_t kMaxLayers = 4; // linearRows

bool cpuHasAvx2()
{
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
}

// Elements of `size` bytes from p to the next 64-byte boundary (0 when p is not aligned to an
// element). Checkpoint tensors start wherever the safetensors header left them, typically a
// few bytes off a cache line; loads that straddle two lines measured 14-35 % slower.
inline int64_t elementsToLine(const void* p, int64_t size)
{
    const auto a = reinterpret_cast<uintptr_t>(p);
    return a % static_cast<uintptr_t>(size) != 0 ? 0 : static_cast<int64_t>((uintptr_t(0) - a) & 63) / size;
}

inline float bf16ToFloat(uint16_t b)
{
    const uint32_t bits = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

// GCC 12's AVX-512 lane-extraction intrinsics start from a self-initialised "undefined" vector,
// which -Wuninitialized reports once they are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// --- AVX-512: one row front to back (a single sequential stream is what the hardware
// prefetchers follow best), the weight loads aligned, four accumulators against FMA latency.

// The sum of the 16 lanes, a fixed tree.
HS_AVX512 static inline float sumLanes(__m512 v)
{
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128 s = _mm512_castps512_ps128(v);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// acc + the products of the first min(count, 32) elements of w and x (vdpbf16ps multiplies bf16
// pairs exactly and accumulates in float32).
HS_AVX512_BF16 static inline __m512 dpBf16Masked(__m512 acc, const uint16_t* w, const uint16_t* x, int64_t count)
{
    const __mmask32 m = count >= 32 ? ~__mmask32(0) : static_cast<__mmask32>((1u << count) - 1u);
    return _mm512_dpbf16_ps(acc, (__m512bh)_mm512_maskz_loadu_epi16(m, w), (__m512bh)_mm512_maskz_loadu_epi16(m, x));
}

HS_AVX512_BF16 static float dotBf16Avx512(const uint16_t* w, const uint16_t* x, int64_t in)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t c = std::min(in, elementsToLine(w, 2));
    if (c > 0)
        a3 = dpBf16Masked(a3, w, x, c);
    for (; c + 128 <= in; c += 128) {
        a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_load_si512(w + c), (__m512bh)_mm512_loadu_si512(x + c));
        a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_load_si512(w + c + 32), (__m512bh)_mm512_loadu_si512(x + c + 32));
        a2 = _mm512_dpbf16_ps(a2, (__m512bh)_mm512_load_si512(w + c + 64), (__m512bh)_mm512_loadu_si512(x + c + 64));
        a3 = _mm512_dpbf16_ps(a3, (__m512bh)_mm512_load_si512(w + c + 96), (__m512bh)_mm512_loadu_si512(x + c + 96));
    }
    for (; c < in; c += 32)
        a3 = dpBf16Masked(a3, w + c, x + c, in - c);
    return sumLanes(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

HS_AVX512 static inline __m512 fmaF32Masked(__m512 acc, const float* w, const float* x, int64_t count)
{
    const __mmask16 m = simd::tailMask(count);
    return _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w), _mm512_maskz_loadu_ps(m, x), acc);
}

HS_AVX512 static float dotF32Avx512(const float* w, const float* x, int64_t in)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t c = std::min(in, elementsToLine(w, 4));
    if (c > 0)
        a3 = fmaF32Masked(a3, w, x, c);
    for (; c + 64 <= in; c += 64) {
        a0 = _mm512_fmadd_ps(_mm512_load_ps(w + c), _mm512_loadu_ps(x + c), a0);
        a1 = _mm512_fmadd_ps(_mm512_load_ps(w + c + 16), _mm512_loadu_ps(x + c + 16), a1);
        a2 = _mm512_fmadd_ps(_mm512_load_ps(w + c + 32), _mm512_loadu_ps(x + c + 32), a2);
        a3 = _mm512_fmadd_ps(_mm512_load_ps(w + c + 48), _mm512_loadu_ps(x + c + 48), a3);
    }
    for (; c < in; c += 16)
        a3 = fmaF32Masked(a3, w + c, x + c, in - c);
    return sumLanes(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

#pragma GCC diagnostic pop

// --- Portable: sixteen float32 lanes and a fixed summation tree, so the compiler vectorises
// it at whatever width the function is compiled for (baseline, or AVX2 + FMA below) without
// reassociating anything. x is float32 (converted once per call).

inline float weightAsFloat(float w) { return w; }
inline float weightAsFloat(uint16_t w) { return bf16ToFloat(w); }

template <typename T>
__attribute__((always_inline)) inline float dotPortableBody(const T* w, const float* x, int64_t in)
{
    float acc[16] = {};
    int64_t c = 0;
    for (; c + 16 <= in; c += 16)
        for (int l = 0; l < 16; ++l)
            acc[l] += weightAsFloat(w[c + l]) * x[c + l];
    for (int l = 0; c < in; ++c, ++l)
        acc[l] += weightAsFloat(w[c]) * x[c];
    for (int width = 8; width > 0; width /= 2)
        for (int l = 0; l < width; ++l)
            acc[l] += acc[l + width];
    return acc[0];
}

float dotBf16Portable(const uint16_t* w, const float* x, int64_t in) { return dotPortableBody(w, x, in); }
float dotF32Portable(const float* w, const float* x, int64_t in) { return dotPortableBody(w, x, in); }
__attribute__((target("avx2,fma"))) float dotBf16Avx2(const uint16_t* w, const float* x, int64_t in)
{
    return dotPortableBody(w, x, in);
}
__attribute__((target("avx2,fma"))) float dotF32Avx2(const float* w, const float* x, int64_t in)
{
    return dotPortableBody(w, x, in);
}

RowKernel pick(bool bf16)
{
    const RowKernel forced = g_forced.load(std::memory_order_relaxed);
    if (forced != RowKernel::Auto)
        return forced;
    if (bf16 ? simd::cpuHasAvx512Bf16() : simd::cpuHasAvx512())
        return RowKernel::Avx512;
    return cpuHasAvx2() ? RowKernel::Avx2 : RowKernel::Portable;
}

struct RowArgs {
    const void* w;   // [out, in] rows at `stride` elements
    int64_t stride;
    const void* x;   // [in] in the weight dtype (AVX-512) or float32 (the others)
    int64_t in, out, rowsPerChunk;
    const float* bias; // [out] float32 or null
    void* y;         // [out] in the weight dtype
    bool bf16;
    RowKernel kernel;
};

// x copied to a per-thread buffer at the same offset from a cache line as the weight rows, so
// that once a row's loads are aligned, x's are too (about 5 % faster than split loads of x).
const void* coAligned(int slot, const void* x, int64_t bytes, uintptr_t misalignment)
{
    thread_local std::vector<unsigned char> buffers[kMaxLayers];
    std::vector<unsigned char>& buffer = buffers[slot];
    buffer.resize(std::max(buffer.size(), static_cast<std::size_t>(bytes) + 128));
    const uintptr_t line = (reinterpret_cast<uintptr_t>(buffer.data()) + 63) & ~uintptr_t(63);
    auto* copy = reinterpret_cast<unsigned char*>(line + misalignment);
    if (bytes > 0)
        std::memcpy(copy, x, static_cast<std::size_t>(bytes));
    return copy;
}

float dotRow(const RowArgs& a, int64_t r)
{
    if (a.bf16) {
        const auto* w = static_cast<const uint16_t*>(a.w) + r * a.stride;
        switch (a.kernel) {
        case RowKernel::Avx512: return dotBf16Avx512(w, static_cast<const uint16_t*>(a.x), a.in);
        case RowKernel::Avx2: return dotBf16Avx2(w, static_cast<const float*>(a.x), a.in);
        default: return dotBf16Portable(w, static_cast<const float*>(a.x), a.in);
        }
    }
    const auto* w = static_cast<const float*>(a.w) + r * a.stride;
    const auto* x = static_cast<const float*>(a.x);
    switch (a.kernel) {
    case RowKernel::Avx512: return dotF32Avx512(w, x, a.in);
    case RowKernel::Avx2: return dotF32Avx2(w, x, a.in);
    default: return dotF32Portable(w, x, a.in);
    }
}

void rowChunk(const void* context, int64_t chunk)
{
    const RowArgs& a = *static_cast<const RowArgs*>(context);
    const int64_t begin = chunk * a.rowsPerChunk, end = std::min(a.out, begin + a.rowsPerChunk);
    for (int64_t r = begin; r < end; ++r) {
        float v = dotRow(a, r);
        if (a.bias)
            v += a.bias[r];
        if (a.bf16)
            static_cast<c10::BFloat16*>(a.y)[r] = c10::BFloat16(v); // round to nearest even, once
        else
            static_cast<float*>(a.y)[r] = v;
    }
}

// Several Linear layers over the same row as one task (q/k/v, gate/up): the chunks of all of
// them, layer after layer, so the threads meet once instead of once per layer.
struct FusedArgs {
    RowArgs layer[kMaxLayers];
    int64_t firstChunk[kMaxLayers + 1]; // layer i's chunks are [firstChunk[i], firstChunk[i + 1])
    int count = 0;
};

void fusedChunk(const void* context, int64_t chunk)
{
    const FusedArgs& f = *static_cast<const FusedArgs*>(context);
    int i = 0;
    while (chunk >= f.firstChunk[i + 1])
        ++i;
    rowChunk(&f.layer[i], chunk - f.firstChunk[i]);
}

} // namespace

bool rowKernelAvailable(RowKernel kernel, bool bf16)
{
    switch (kernel) {
    case RowKernel::Avx512: return bf16 ? simd::cpuHasAvx512Bf16() : simd::cpuHasAvx512();
    case RowKernel::Avx2: return cpuHasAvx2();
    default: return true;
    }
}

void setRowKernelForTesting(RowKernel kernel)
{
    g_forced.store(kernel, std::memory_order_relaxed);
}

std::vector<at::Tensor> linearRows(const at::Tensor& x, std::initializer_list<LinearRef> layers)
{
    const bool floating = x.defined() && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kBFloat16);
    if (!floating || !x.device().is_cpu() || x.dim() != 2 || x.size(0) != 1 || layers.size() == 0 ||
        layers.size() > kMaxLayers)
        return {};
    for (const LinearRef& l : layers) {
        const at::Tensor &weight = l.weight, &bias = l.bias;
        if (weight.dim() != 2 || weight.stride(1) != 1 || weight.scalar_type() != x.scalar_type() ||
            !weight.device().is_cpu() || weight.size(1) != x.size(1) ||
            (bias.defined() && (!bias.device().is_cpu() || bias.numel() != weight.size(0))))
            return {};
    }
    const bool bf16 = x.scalar_type() == at::kBFloat16;
    const RowKernel kernel = pick(bf16);
    // The AVX-512 kernels read x in the weight dtype, the others as float32.
    const at::Tensor xc = kernel == RowKernel::Avx512 ? x.contiguous() : x.to(at::kFloat).contiguous();
    const int64_t elt = x.element_size(), in = x.size(1);
    const int64_t rowBytes = std::max<int64_t>(1, in * elt);
    FusedArgs f;
    std::vector<at::Tensor> outputs, biases;
    f.firstChunk[0] = 0;
    int64_t bytes = 0;
    for (const LinearRef& l : layers) {
        RowArgs& a = f.layer[f.count];
        a.kernel = kernel;
        a.bf16 = bf16;
        a.w = l.weight.data_ptr();
        a.stride = l.weight.stride(0);
        a.in = in;
        a.out = l.weight.size(0);
        a.x = xc.data_ptr();
        if (kernel == RowKernel::Avx512 && (a.stride * elt) % 64 == 0)
            a.x = coAligned(f.count, a.x, in * elt, reinterpret_cast<uintptr_t>(a.w) % 64);
        if (l.bias.defined())
            biases.push_back(l.bias.to(at::kFloat).contiguous());
        a.bias = l.bias.defined() ? biases.back().data_ptr<float>() : nullptr;
        outputs.push_back(at::empty({1, a.out}, x.options()));
        a.y = outputs.back().data_ptr();
        a.rowsPerChunk = std::max<int64_t>(1, kChunkBytes / rowBytes);
        f.firstChunk[f.count + 1] = f.firstChunk[f.count] + (a.out + a.rowsPerChunk - 1) / a.rowsPerChunk;
        bytes += a.out * rowBytes;
        ++f.count;
    }
    const int threads = bytes >= kParallelBytes ? poolThreads() : 1;
    runChunks(f.firstChunk[f.count], threads, fusedChunk, &f);
    return outputs;
}

at::Tensor linearRow(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias)
{
    std::vector<at::Tensor> y = linearRows(x, {{weight, bias}});
    return y.empty() ? at::Tensor() : std::move(y.front());
}

} // namespace headscope::model::cpu
