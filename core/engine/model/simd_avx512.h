#pragma once
// AVX-512 building blocks of the fused CPU kernels (cpu_kernels.cpp, cpu_attention.cpp,
// cpu_flash_prefill.cpp): loads of bf16/f32 as float32 vectors, vectorised exponentials, and the
// 16-way transpose-reduction of dot products. Every function is `static` with an explicit target attribute, so including this
// header never changes how anything else is compiled; callers check cpuHasAvx512() first.
// No template from another header is defined here (a template instantiated under a wider
// target could be picked by the linker for baseline callers).
#include <immintrin.h>

#include <atomic>
#include <cstdint>

#define HS_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
#define HS_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma,avx512bf16")))

namespace headscope::model::simd {

// Set by tests (cpu::setSimdForTesting) to run the portable paths on a CPU that has AVX-512.
inline std::atomic<bool> portableOnly{false};

inline bool cpuHasAvx512()
{
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    return has && !portableOnly.load(std::memory_order_relaxed);
}

inline bool cpuHasAvx512Bf16()
{
    static const bool has = __builtin_cpu_supports("avx512bf16");
    return has && cpuHasAvx512();
}

// 16 bf16 (raw bits) → float32: the bits shifted into the high half.
HS_AVX512 static inline __m512 loadBf16(const uint16_t* p)
{
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

HS_AVX512 static inline __m512 loadBf16(const uint16_t* p, __mmask16 m)
{
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

HS_AVX512 static inline __m512 load(const uint16_t* p) { return loadBf16(p); }
HS_AVX512 static inline __m512 load(const float* p) { return _mm512_loadu_ps(p); }
HS_AVX512 static inline __m512 load(const uint16_t* p, __mmask16 m) { return loadBf16(p, m); }
HS_AVX512 static inline __m512 load(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }

// 32 bf16 as the pairs vdpbf16ps multiplies.
HS_AVX512_BF16 static inline __m512bh loadPairs(const uint16_t* p)
{
    return (__m512bh)_mm512_loadu_si512(p);
}

// float32 → bf16 bits, round to nearest even (NaN kept a NaN), as c10::BFloat16 does.
HS_AVX512 static inline __m256i toBf16(__m512 x)
{
    const __m512i bits = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    const __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const __m512i out = _mm512_mask_mov_epi32(rounded, nan, _mm512_or_si512(bits, _mm512_set1_epi32(0x00400000)));
    return _mm512_cvtepi32_epi16(_mm512_srli_epi32(out, 16));
}

HS_AVX512 static inline void store(uint16_t* p, __m512 x) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), toBf16(x)); }
HS_AVX512 static inline void store(float* p, __m512 x) { _mm512_storeu_ps(p, x); }
HS_AVX512 static inline void store(uint16_t* p, __m512 x, __mmask16 m) { _mm256_mask_storeu_epi16(p, m, toBf16(x)); }
HS_AVX512 static inline void store(float* p, __m512 x, __mmask16 m) { _mm512_mask_storeu_ps(p, m, x); }

// e^x for float32 lanes (Cephes' expf: range reduction by ln 2, degree-6 polynomial; about
// 1 ulp). Inputs below -87.3 give 0 and -inf gives exactly 0; above 88.7 saturate.
HS_AVX512 static inline __m512 exp(__m512 x)
{
    const __mmask16 tiny = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.33654f), _CMP_LT_OQ);
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.33654f)), _mm512_set1_ps(88.72283f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_maskz_mov_ps(static_cast<__mmask16>(~tiny), _mm512_scalef_ps(p, n));
}

// 2^x for x ≤ 0 to 3.3e-6 relative (degree-5 Taylor polynomial of 2^f on |f| ≤ 1/2, in float32):
// far below the 2^-9 rounding of the bf16 probabilities it feeds, in half the instructions of
// simd::exp. Inputs below −100 give 2^−100 (normal floats; masked keys are zeroed by the caller).
HS_AVX512 static inline __m512 exp2NonPositive(__m512 x)
{
    x = _mm512_max_ps(x, _mm512_set1_ps(-100.0f));
    const __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 f = _mm512_sub_ps(x, n); // [-1/2, 1/2]
    __m512 p = _mm512_set1_ps(1.3333558e-3f); // ln2^5 / 5!
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.6181291e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504109e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022651e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

// Sixteen dot-product accumulators a[j] → one vector whose lane j is the sum of a[j]'s lanes.
// A fixed tree of in-lane and cross-lane shuffles: the summation order never depends on data.
HS_AVX512 static inline __m512 reduce16(const __m512* a)
{
    __m512 w[8];
    for (int i = 0; i < 8; ++i)
        w[i] = _mm512_add_ps(_mm512_unpacklo_ps(a[2 * i], a[2 * i + 1]), _mm512_unpackhi_ps(a[2 * i], a[2 * i + 1]));
    __m512 x[4];
    for (int i = 0; i < 4; ++i)
        x[i] = _mm512_add_ps(_mm512_shuffle_ps(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    __m512 z[2];
    for (int i = 0; i < 2; ++i)
        z[i] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

HS_AVX512 static inline __mmask16 tailMask(int64_t count)
{
    return count >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << count) - 1u);
}

} // namespace headscope::model::simd
