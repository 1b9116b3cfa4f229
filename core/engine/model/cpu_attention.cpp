// Decode attention and the scored row on the CPU (see cpu_attention.h); the flash prefill is
// cpu_flash_prefill.cpp.
#include "cpu_attention.h"

#include "cpu_attention_rows.h"
#include "cpu_pool.h"
#include "simd_avx512.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace headscope::model::cpu {

namespace {

using detail::cpuTensor;
using detail::kMinusInf;
using detail::Rows;
using detail::rowsUsable;
using detail::typed;

// ---------------------------------------------------------------------------------------
// Decode: one query per head.

struct DecodeArgs {
    const void* q;       // [H, d] contiguous, K/V dtype
    Rows<void> k, v;     // type-erased; cast per instantiation
    int64_t group, d;
    int64_t first, length; // keys [first, length) are visible
    float scale;
    float* out;          // [H, d] float32, or null when only the rows are wanted
    float* rows;         // [H, length] float32 or null
    bool dotBf16 = false; // bf16 scores by vdpbf16ps (AVX512-BF16, d a multiple of 32, at most 256)
};

// Pass 1 of decodeHeadAvx512 for bf16 with AVX512-BF16: vdpbf16ps multiplies bf16 pairs of the
// query and key exactly and accumulates in float32 (no widening of either to float32: about
// half the instructions); the scale multiplies each finished dot product. Each block of 16 keys
// is scored for all G query heads while it is in L1: at 8K keys a KV head's K is 1 MiB, and G
// passes over all of it would read it G times from L2 or beyond. scores [G, n].
HS_AVX512_BF16 static void scoresBf16(const DecodeArgs& a, const uint16_t* qAll, Rows<uint16_t> k, int64_t kh,
                                      float* scores)
{
    const int64_t G = a.group, first = a.first, n = a.length - first, pairs = a.d / 32;
    const __m512 scale = _mm512_set1_ps(a.scale);
    const uint16_t* qGroup = qAll + kh * G * a.d;
    for (int64_t t0 = 0; t0 < n; t0 += 16) {
        const int64_t count = std::min<int64_t>(16, n - t0);
        for (int64_t g = 0; g < G; ++g) {
            const uint16_t* qg = qGroup + g * a.d;
            __m512 acc[16];
            for (int j = 0; j < 16; ++j)
                acc[j] = _mm512_setzero_ps();
            for (int64_t j = 0; j < count; ++j) {
                const uint16_t* kr = k.row(kh, first + t0 + j);
                __m512 s = _mm512_setzero_ps();
                for (int64_t c = 0; c < pairs; ++c)
                    s = _mm512_dpbf16_ps(s, (__m512bh)_mm512_loadu_si512(qg + 32 * c),
                                         (__m512bh)_mm512_loadu_si512(kr + 32 * c));
                acc[j] = s;
            }
            _mm512_mask_storeu_ps(scores + g * n + t0, simd::tailMask(count), _mm512_mul_ps(simd::reduce16(acc), scale));
        }
    }
}

// One KV head: scores of its G query heads against every visible key (each K row block read
// once, while it is in L1, for all G), softmax, then the P·V sums (each V row read once).
template <typename T>
HS_AVX512 static void decodeHeadAvx512(const DecodeArgs& a, const T* qAll, Rows<T> k, Rows<T> v, int64_t kh,
                                       float* qf, float* scores)
{
    const int64_t G = a.group, d = a.d, first = a.first, n = a.length - first;
    const int64_t chunks = (d + 15) / 16;
    const __mmask16 lastMask = simd::tailMask(d - 16 * (chunks - 1));
    bool scored = false;
    if constexpr (sizeof(T) == 2)
        if (a.dotBf16) {
            scoresBf16(a, qAll, k, kh, scores);
            scored = true;
        }
    // Queries as float32, scale folded in: [G, chunks * 16], zero-padded.
    for (int64_t g = 0; !scored && g < G; ++g) {
        const T* qh = qAll + (kh * G + g) * d;
        for (int64_t c = 0; c < chunks; ++c) {
            const __mmask16 m = c + 1 == chunks ? lastMask : static_cast<__mmask16>(0xffff);
            const __m512 x = simd::load(qh + 16 * c, m);
            _mm512_storeu_ps(qf + (g * chunks + c) * 16, _mm512_mul_ps(x, _mm512_set1_ps(a.scale)));
        }
    }
    // Pass 1: scores [G, n].
    for (int64_t t0 = 0; !scored && t0 < n; t0 += 16) {
        const int64_t count = std::min<int64_t>(16, n - t0);
        for (int64_t g = 0; g < G; ++g) {
            __m512 acc[16];
            for (int j = 0; j < 16; ++j)
                acc[j] = _mm512_setzero_ps();
            const float* qg = qf + g * chunks * 16;
            for (int64_t j = 0; j < count; ++j) {
                const T* kr = k.row(kh, first + t0 + j);
                __m512 s = _mm512_setzero_ps();
                for (int64_t c = 0; c + 1 < chunks; ++c)
                    s = _mm512_fmadd_ps(_mm512_loadu_ps(qg + 16 * c), simd::load(kr + 16 * c), s);
                acc[j] = _mm512_fmadd_ps(_mm512_loadu_ps(qg + 16 * (chunks - 1)), simd::load(kr + 16 * (chunks - 1), lastMask), s);
            }
            _mm512_mask_storeu_ps(scores + g * n + t0, simd::tailMask(count), simd::reduce16(acc));
        }
    }
    // Pass 2: softmax per query head; scores become unnormalised probabilities.
    std::vector<float> inverse(static_cast<std::size_t>(G));
    for (int64_t g = 0; g < G; ++g) {
        float* s = scores + g * n;
        __m512 vmax = _mm512_set1_ps(kMinusInf);
        for (int64_t t = 0; t < n; t += 16)
            vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(_mm512_set1_ps(kMinusInf), simd::tailMask(n - t), s + t));
        const __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
        __m512 vsum = _mm512_setzero_ps();
        for (int64_t t = 0; t < n; t += 16) {
            const __mmask16 m = simd::tailMask(n - t);
            const __m512 p = _mm512_maskz_mov_ps(m, simd::exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + t), mx)));
            _mm512_mask_storeu_ps(s + t, m, p);
            vsum = _mm512_add_ps(vsum, p);
        }
        inverse[static_cast<std::size_t>(g)] = 1.0f / _mm512_reduce_add_ps(vsum);
    }
    // Pass 3: out[g] = Σ_t p[g][t] v[t] / Σ_t p[g][t], tiles of up to 4 heads × 4 chunks.
    for (int64_t g0 = 0; a.out && g0 < G; g0 += 4) {
        const int64_t gs = std::min<int64_t>(4, G - g0);
        for (int64_t c0 = 0; c0 < chunks; c0 += 4) {
            const int64_t cs = std::min<int64_t>(4, chunks - c0);
            __m512 acc[4][4];
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j)
                    acc[i][j] = _mm512_setzero_ps();
            for (int64_t t = 0; t < n; ++t) {
                const T* vr = v.row(kh, first + t);
                __m512 vv[4];
                for (int64_t c = 0; c < cs; ++c)
                    vv[c] = c0 + c + 1 == chunks ? simd::load(vr + 16 * (c0 + c), lastMask) : simd::load(vr + 16 * (c0 + c));
                for (int64_t g = 0; g < gs; ++g) {
                    const __m512 p = _mm512_set1_ps(scores[(g0 + g) * n + t]);
                    for (int64_t c = 0; c < cs; ++c)
                        acc[g][c] = _mm512_fmadd_ps(p, vv[c], acc[g][c]);
                }
            }
            for (int64_t g = 0; g < gs; ++g) {
                float* o = a.out + (kh * G + g0 + g) * d;
                const __m512 inv = _mm512_set1_ps(inverse[static_cast<std::size_t>(g0 + g)]);
                for (int64_t c = 0; c < cs; ++c) {
                    const __mmask16 m = c0 + c + 1 == chunks ? lastMask : static_cast<__mmask16>(0xffff);
                    _mm512_mask_storeu_ps(o + 16 * (c0 + c), m, _mm512_mul_ps(acc[g][c], inv));
                }
            }
        }
    }
    if (a.rows) {
        for (int64_t g = 0; g < G; ++g) {
            float* r = a.rows + (kh * G + g) * a.length;
            std::fill(r, r + first, 0.0f);
            const __m512 inv = _mm512_set1_ps(inverse[static_cast<std::size_t>(g)]);
            const float* s = scores + g * n;
            for (int64_t t = 0; t < n; t += 16) {
                const __mmask16 m = simd::tailMask(n - t);
                _mm512_mask_storeu_ps(r + first + t, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + t), inv));
            }
        }
    }
}

template <typename T>
void decodeKernel(const DecodeArgs& a, int64_t kvHeads)
{
    const T* q = static_cast<const T*>(a.q);
    const Rows<T> k = typed<T>(a.k), v = typed<T>(a.v);
    const int64_t n = a.length - a.first;
    // Small problems run on the calling thread: waking a helper costs more than they do. The
    // decode step's other kernels share the same helpers (cpu_pool.h), so no second pool's
    // threads spin for the cores between them.
    const int64_t workPerHead = std::max<int64_t>(1, n * a.d * (a.group + 1));
    const int threads = workPerHead * kvHeads >= (int64_t(1) << 18) ? poolThreads() : 1;
    runChunks(kvHeads, threads, [&](int64_t kh) {
        // Scratch per thread, grown once: no allocation per token.
        thread_local std::vector<float> qf, scores;
        const int64_t chunks = (a.d + 15) / 16;
        qf.resize(std::max(qf.size(), static_cast<std::size_t>(a.group * chunks * 16)));
        scores.resize(std::max(scores.size(), static_cast<std::size_t>(a.group * n)));
        decodeHeadAvx512<T>(a, q, k, v, kh, qf.data(), scores.data());
    });
}

bool decodeUsable(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v)
{
    return simd::cpuHasAvx512() && cpuTensor(q) && q.dim() == 2 &&
           k.scalar_type() == q.scalar_type() && v.scalar_type() == q.scalar_type() && k.device().is_cpu() &&
           v.device().is_cpu() && rowsUsable(k) && rowsUsable(v) && k.size(0) > 0 && q.size(0) % k.size(0) == 0 &&
           k.size(2) == q.size(1) && v.size(2) == q.size(1) && v.size(1) >= k.size(1);
}

// Runs the decode kernel for query q [H, d] over keys [first, length); out float32 [H, d].
void runDecode(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t first, int64_t length,
               float scale, float* out, float* rows)
{
    const at::Tensor qc = q.contiguous();
    DecodeArgs a;
    a.q = qc.data_ptr();
    a.k = {k.data_ptr(), k.stride(0), k.stride(1)};
    a.v = {v.data_ptr(), v.stride(0), v.stride(1)};
    a.group = q.size(0) / k.size(0);
    a.d = q.size(1);
    a.first = first;
    a.length = length;
    a.scale = scale;
    a.out = out;
    a.rows = rows;
    a.dotBf16 = q.scalar_type() == at::kBFloat16 && simd::cpuHasAvx512Bf16() && a.d % 32 == 0 && a.d <= 256;
    if (q.scalar_type() == at::kBFloat16)
        decodeKernel<uint16_t>(a, k.size(0));
    else
        decodeKernel<float>(a, k.size(0));
}


} // namespace

at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const AttentionParams& params,
                           at::Tensor* rows)
{
    if (params.softcap > 0.0 || !decodeUsable(q, k, v))
        return {};
    const int64_t length = k.size(1);
    const int64_t first = params.slidingWindow > 0 ? std::max<int64_t>(0, length - params.slidingWindow) : 0;
    auto out = at::empty({q.size(0), q.size(1)}, q.options().dtype(at::kFloat)); // [H, d]
    float* rowData = nullptr;
    if (rows) {
        *rows = at::empty({q.size(0), length}, q.options().dtype(at::kFloat)); // [H, T]
        rowData = rows->data_ptr<float>();
    }
    runDecode(q, k, v, first, length, static_cast<float>(params.scale), out.data_ptr<float>(), rowData);
    return q.scalar_type() == at::kFloat ? out : out.to(q.scalar_type());
}

at::Tensor attentionRow(const at::Tensor& q, const at::Tensor& k, int64_t pos, const AttentionParams& params)
{
    if (params.softcap > 0.0 || !decodeUsable(q, k, k))
        return {};
    const int64_t length = pos + 1;
    const int64_t first = params.slidingWindow > 0 ? std::max<int64_t>(0, length - params.slidingWindow) : 0;
    auto rows = at::empty({q.size(0), length}, q.options().dtype(at::kFloat)); // [H, pos + 1]
    runDecode(q, k, k, first, length, static_cast<float>(params.scale), nullptr, rows.data_ptr<float>());
    return rows;
}

} // namespace headscope::model::cpu
