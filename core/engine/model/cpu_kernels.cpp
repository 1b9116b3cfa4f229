#include "cpu_kernels.h"

#include "simd_avx512.h"

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>

#include <cmath>
#include <mutex>
#include <set>
#include <thread>

namespace headscope::model::cpu {

namespace {

bool cpuFloat(const at::Tensor& t)
{
    return t.defined() && t.device().is_cpu() && (t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16);
}

// Rows of a 2-D tensor are usable when each is contiguous.
bool rows2d(const at::Tensor& t)
{
    return t.dim() == 2 && t.stride(1) == 1;
}

// Splits [0, rows) over the pool only when there is enough work for it to pay.
template <typename F>
void forRows(int64_t rows, int64_t workPerRow, const F& f)
{
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, workPerRow));
    at::parallel_for(0, rows, grain, f);
}

inline float toFloat(float x) { return x; }
inline float toFloat(c10::BFloat16 x) { return static_cast<float>(x); }
template <typename T>
inline T fromFloat(float x)
{
    return static_cast<T>(x);
}

// --- AVX-512 bodies (raw pointers only; see simd_avx512.h) ---

template <typename T>
HS_AVX512 static void rmsNormRowsAvx512(const T* x, int64_t xStride, const T* w, T* out, int64_t hidden, float eps,
                                         int64_t begin, int64_t end)
{
    const bool bf16 = sizeof(T) == 2;
    for (int64_t i = begin; i < end; ++i) {
        const T* xr = x + i * xStride;
        T* o = out + i * hidden;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t c = 0; c < hidden; c += 16) {
            const __mmask16 m = simd::tailMask(hidden - c);
            const __m512 v = simd::load(xr + c, m);
            acc = _mm512_fmadd_ps(v, v, acc);
        }
        const float inv = 1.0f / std::sqrt(_mm512_reduce_add_ps(acc) / static_cast<float>(hidden) + eps);
        const __m512 iv = _mm512_set1_ps(inv);
        for (int64_t c = 0; c < hidden; c += 16) {
            const __mmask16 m = simd::tailMask(hidden - c);
            __m512 normed = _mm512_mul_ps(simd::load(xr + c, m), iv);
            if (bf16) // HF rounds the normalised value to the model dtype before the weight
                normed = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(simd::toBf16(normed)), 16));
            simd::store(o + c, _mm512_mul_ps(simd::load(w + c, m), normed), m);
        }
    }
}

template <typename T>
HS_AVX512 static void rotaryRowsAvx512(const T* x, int64_t xStride, int64_t heads, int64_t n, int64_t d, int64_t start,
                                        const float* cosHalf, const float* sinHalf, T* out, int64_t begin, int64_t end)
{
    const int64_t half = d / 2;
    for (int64_t i = begin; i < end; ++i) {
        const float* cs = cosHalf + (start + i) * half;
        const float* sn = sinHalf + (start + i) * half;
        for (int64_t h = 0; h < heads; ++h) {
            const T* xr = x + i * xStride + h * d;
            T* o = out + (h * n + i) * d;
            for (int64_t j = 0; j < half; j += 16) {
                const __mmask16 m = simd::tailMask(half - j);
                const __m512 a = simd::load(xr + j, m), b = simd::load(xr + half + j, m);
                const __m512 c = _mm512_maskz_loadu_ps(m, cs + j), s = _mm512_maskz_loadu_ps(m, sn + j);
                simd::store(o + j, _mm512_fmsub_ps(a, c, _mm512_mul_ps(b, s)), m);
                simd::store(o + half + j, _mm512_fmadd_ps(b, c, _mm512_mul_ps(a, s)), m);
            }
        }
    }
}

template <typename T>
HS_AVX512 static void swigluRowsAvx512(const T* g, int64_t gStride, const T* u, int64_t uStride, T* out, int64_t cols,
                                        int64_t begin, int64_t end)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = begin; i < end; ++i) {
        const T* gr = g + i * gStride;
        const T* ur = u + i * uStride;
        T* o = out + i * cols;
        for (int64_t c = 0; c < cols; c += 16) {
            const __mmask16 m = simd::tailMask(cols - c);
            const __m512 gv = simd::load(gr + c, m);
            const __m512 silu = _mm512_div_ps(gv, _mm512_add_ps(one, simd::exp(_mm512_sub_ps(_mm512_setzero_ps(), gv))));
            simd::store(o + c, _mm512_mul_ps(silu, simd::load(ur + c, m)), m);
        }
    }
}

// --- Portable bodies ---

template <typename T>
void rmsNormRows(const T* x, int64_t xStride, const T* w, T* out, int64_t hidden, float eps, int64_t begin, int64_t end)
{
    for (int64_t i = begin; i < end; ++i) {
        const T* xr = x + i * xStride;
        float acc[8] = {};
        int64_t c = 0;
        for (; c + 8 <= hidden; c += 8)
            for (int l = 0; l < 8; ++l)
                acc[l] += toFloat(xr[c + l]) * toFloat(xr[c + l]);
        float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; c < hidden; ++c)
            sum += toFloat(xr[c]) * toFloat(xr[c]);
        const float inv = 1.0f / std::sqrt(sum / static_cast<float>(hidden) + eps);
        for (c = 0; c < hidden; ++c)
            out[i * hidden + c] = fromFloat<T>(toFloat(w[c]) * toFloat(fromFloat<T>(toFloat(xr[c]) * inv)));
    }
}

template <typename T>
void rotaryRows(const T* x, int64_t xStride, int64_t heads, int64_t n, int64_t d, int64_t start, const float* cosHalf,
                const float* sinHalf, T* out, int64_t begin, int64_t end)
{
    const int64_t half = d / 2;
    for (int64_t i = begin; i < end; ++i)
        for (int64_t h = 0; h < heads; ++h) {
            const T* xr = x + i * xStride + h * d;
            T* o = out + (h * n + i) * d;
            for (int64_t j = 0; j < half; ++j) {
                const float c = cosHalf[(start + i) * half + j], s = sinHalf[(start + i) * half + j];
                const float a = toFloat(xr[j]), b = toFloat(xr[half + j]);
                o[j] = fromFloat<T>(a * c - b * s);
                o[half + j] = fromFloat<T>(b * c + a * s);
            }
        }
}

template <typename T>
void swigluRows(const T* g, int64_t gStride, const T* u, int64_t uStride, T* out, int64_t cols, int64_t begin, int64_t end)
{
    for (int64_t i = begin; i < end; ++i)
        for (int64_t c = 0; c < cols; ++c) {
            const float gv = toFloat(g[i * gStride + c]);
            out[i * cols + c] = fromFloat<T>(gv / (1.0f + std::exp(-gv)) * toFloat(u[i * uStride + c]));
        }
}

// Calls body<T> with T = float or the bf16 storage type of `t`'s dtype.
template <typename Float, typename Bf16>
void byDtype(const at::Tensor& t, const Float& asFloat, const Bf16& asBf16)
{
    if (t.scalar_type() == at::kFloat)
        asFloat();
    else
        asBf16();
}

} // namespace

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps)
{
    if (!cpuFloat(x) || !rows2d(x) || weight.scalar_type() != x.scalar_type() || !weight.is_contiguous() ||
        weight.numel() != x.size(1))
        return {};
    const int64_t n = x.size(0), hidden = x.size(1), stride = x.stride(0);
    auto out = at::empty({n, hidden}, x.options());
    const float e = static_cast<float>(eps);
    const bool simd = simd::cpuHasAvx512();
    byDtype(
        x,
        [&] {
            const float *xp = x.data_ptr<float>(), *wp = weight.data_ptr<float>();
            float* op = out.data_ptr<float>();
            forRows(n, hidden, [&](int64_t b, int64_t en) {
                simd ? rmsNormRowsAvx512(xp, stride, wp, op, hidden, e, b, en) : rmsNormRows(xp, stride, wp, op, hidden, e, b, en);
            });
        },
        [&] {
            const auto* xp = x.data_ptr<c10::BFloat16>();
            const auto* wp = weight.data_ptr<c10::BFloat16>();
            auto* op = out.data_ptr<c10::BFloat16>();
            forRows(n, hidden, [&](int64_t b, int64_t en) {
                if (simd)
                    rmsNormRowsAvx512(reinterpret_cast<const uint16_t*>(xp), stride, reinterpret_cast<const uint16_t*>(wp),
                                      reinterpret_cast<uint16_t*>(op), hidden, e, b, en);
                else
                    rmsNormRows(xp, stride, wp, op, hidden, e, b, en);
            });
        });
    return out;
}

at::Tensor rotaryToHeads(const at::Tensor& x, int64_t heads, int64_t start, const at::Tensor& cosHalf,
                         const at::Tensor& sinHalf)
{
    if (!cpuFloat(x) || !rows2d(x) || heads <= 0 || x.size(1) % heads != 0 || !cosHalf.is_contiguous() ||
        !sinHalf.is_contiguous() || cosHalf.scalar_type() != at::kFloat || !cosHalf.device().is_cpu())
        return {};
    const int64_t n = x.size(0), d = x.size(1) / heads, stride = x.stride(0);
    if (d % 2 != 0 || cosHalf.size(1) != d / 2 || cosHalf.size(0) < start + n)
        return {};
    auto out = at::empty({heads, n, d}, x.options());
    const float *cs = cosHalf.data_ptr<float>(), *sn = sinHalf.data_ptr<float>();
    const bool simd = simd::cpuHasAvx512();
    byDtype(
        x,
        [&] {
            const float* xp = x.data_ptr<float>();
            float* op = out.data_ptr<float>();
            forRows(n, heads * d, [&](int64_t b, int64_t e) {
                simd ? rotaryRowsAvx512(xp, stride, heads, n, d, start, cs, sn, op, b, e)
                     : rotaryRows(xp, stride, heads, n, d, start, cs, sn, op, b, e);
            });
        },
        [&] {
            const auto* xp = x.data_ptr<c10::BFloat16>();
            auto* op = out.data_ptr<c10::BFloat16>();
            forRows(n, heads * d, [&](int64_t b, int64_t e) {
                if (simd)
                    rotaryRowsAvx512(reinterpret_cast<const uint16_t*>(xp), stride, heads, n, d, start, cs, sn,
                                     reinterpret_cast<uint16_t*>(op), b, e);
                else
                    rotaryRows(xp, stride, heads, n, d, start, cs, sn, op, b, e);
            });
        });
    return out;
}

at::Tensor swiglu(const at::Tensor& gate, const at::Tensor& up)
{
    if (!cpuFloat(gate) || !rows2d(gate) || !rows2d(up) || up.scalar_type() != gate.scalar_type() ||
        up.sizes() != gate.sizes())
        return {};
    const int64_t n = gate.size(0), cols = gate.size(1);
    auto out = at::empty({n, cols}, gate.options());
    const int64_t gs = gate.stride(0), us = up.stride(0);
    const bool simd = simd::cpuHasAvx512();
    byDtype(
        gate,
        [&] {
            const float *g = gate.data_ptr<float>(), *u = up.data_ptr<float>();
            float* o = out.data_ptr<float>();
            forRows(n, cols * 4, [&](int64_t b, int64_t e) {
                simd ? swigluRowsAvx512(g, gs, u, us, o, cols, b, e) : swigluRows(g, gs, u, us, o, cols, b, e);
            });
        },
        [&] {
            const auto* g = gate.data_ptr<c10::BFloat16>();
            const auto* u = up.data_ptr<c10::BFloat16>();
            auto* o = out.data_ptr<c10::BFloat16>();
            forRows(n, cols * 4, [&](int64_t b, int64_t e) {
                if (simd)
                    swigluRowsAvx512(reinterpret_cast<const uint16_t*>(g), gs, reinterpret_cast<const uint16_t*>(u), us,
                                     reinterpret_cast<uint16_t*>(o), cols, b, e);
                else
                    swigluRows(g, gs, u, us, o, cols, b, e);
            });
        });
    return out;
}

void setSimdForTesting(bool enabled)
{
    simd::portableOnly.store(!enabled, std::memory_order_relaxed);
}

int parallelForThreads(int64_t items)
{
    std::mutex lock;
    std::set<std::thread::id> threads;
    at::parallel_for(0, items, 1, [&](int64_t, int64_t) {
        const std::lock_guard guard(lock);
        threads.insert(std::this_thread::get_id());
    });
    return static_cast<int>(threads.size());
}

} // namespace headscope::model::cpu
