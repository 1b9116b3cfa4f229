// Prefill attention on the CPU, flash-style (see cpu_attention.h): per KV head and block of
// queries, Q·Kᵀ accumulated in float32, an online float32 softmax, P·V accumulated in float32;
// no [queries × keys] score matrix is ever stored.
#include "cpu_attention.h"

#include "cpu_attention_rows.h"
#include "simd_avx512.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace headscope::model::cpu {

namespace {

using detail::cpuTensor;
using detail::kMinusInf;
using detail::Rows;
using detail::rowsUsable;
using detail::typed;

// bf16 multiplies pairs with vdpbf16ps (AVX512-BF16); f32 uses FMAs (AVX-512F). Both keep an
// online softmax per query row.

constexpr int64_t kRowTile = 8;     // query rows (query × head pairs) per micro-tile
constexpr int64_t kKeyBlock = 32;   // keys per online-softmax step
constexpr int64_t kQueryBlock = 16; // queries per work unit (× G heads = rows)

struct PrefillArgs {
    const void* q;      // [H, n, d] contiguous
    Rows<void> k, v;
    int64_t kvHeads, group, n, d, start, keys;
    int64_t window;
    float scale;
    void* out;          // [H, n, d] contiguous
    // Per KV head, K (and for bf16 V) repacked:
    //   bf16 kp: blocks of 16 keys, dimension pairs: [T / 16][d / 2][16 keys][2 dims]
    //   bf16 vp: key pairs:                           [T / 2][d][2 keys]
    //   f32  kp: blocks of 16 keys, transposed:       [T / 16][d][16 keys]   (V is read in place)
    void* kp;
    void* vp;
    int64_t keysPadded; // T rounded up to a multiple of kKeyBlock; padding keys are zero
};

HS_AVX512 static void packHeadBf16(const PrefillArgs& a, int64_t kh)
{
    const Rows<uint16_t> k = typed<uint16_t>(a.k), v = typed<uint16_t>(a.v);
    const int64_t d = a.d, tp = a.keysPadded;
    uint16_t* kp = static_cast<uint16_t*>(a.kp) + kh * tp * d;
    uint16_t* vp = static_cast<uint16_t*>(a.vp) + kh * tp * d;
    for (int64_t b = 0; b < tp / 16; ++b) {
        for (int64_t i = 0; i < d / 2; ++i) {
            uint32_t* dst = reinterpret_cast<uint32_t*>(kp + ((b * (d / 2) + i) * 16) * 2);
            for (int64_t t = 0; t < 16; ++t) {
                const int64_t key = b * 16 + t;
                uint32_t pair = 0;
                if (key < a.keys)
                    std::memcpy(&pair, k.row(kh, key) + 2 * i, sizeof pair);
                dst[t] = pair;
            }
        }
    }
    for (int64_t j = 0; j < tp / 2; ++j) {
        uint16_t* dst = vp + j * d * 2;
        const int64_t k0 = 2 * j, k1 = 2 * j + 1;
        const uint16_t* v0 = k0 < a.keys ? v.row(kh, k0) : nullptr;
        const uint16_t* v1 = k1 < a.keys ? v.row(kh, k1) : nullptr;
        for (int64_t c = 0; c < d; ++c) {
            dst[2 * c] = v0 ? v0[c] : 0;
            dst[2 * c + 1] = v1 ? v1[c] : 0;
        }
    }
}

HS_AVX512 static void packHeadF32(const PrefillArgs& a, int64_t kh)
{
    const Rows<float> k = typed<float>(a.k);
    const int64_t d = a.d, tp = a.keysPadded;
    float* kp = static_cast<float*>(a.kp) + kh * tp * d;
    for (int64_t b = 0; b < tp / 16; ++b)
        for (int64_t t = 0; t < 16; ++t) {
            const int64_t key = b * 16 + t;
            const float* kr = key < a.keys ? k.row(kh, key) : nullptr;
            for (int64_t c = 0; c < d; ++c)
                kp[(b * d + c) * 16 + t] = kr ? kr[c] : 0.0f;
        }
}

// The rows of one micro-tile: row r is query qBase + (r0 + r) / G of head kh * G + (r0 + r) % G;
// rows past `rows` repeat the last one (computed, never written).
struct TileRows {
    int64_t query[kRowTile], head[kRowTile], pos[kRowTile];
    int64_t minPos, maxPos;
};

static TileRows tileRows(const PrefillArgs& a, int64_t kh, int64_t qBase, int64_t r0, int64_t rows)
{
    TileRows t;
    t.minPos = std::numeric_limits<int64_t>::max();
    t.maxPos = 0;
    for (int64_t r = 0; r < kRowTile; ++r) {
        const int64_t rr = std::min(r, rows - 1);
        t.query[r] = qBase + (r0 + rr) / a.group;
        t.head[r] = kh * a.group + (r0 + rr) % a.group;
        t.pos[r] = a.start + t.query[r];
        t.minPos = std::min(t.minPos, t.pos[r]);
        t.maxPos = std::max(t.maxPos, t.pos[r]);
    }
    return t;
}

// One online-softmax step of row r over 32 keys from t0: scales and masks the scores x0, x1
// (keys t0..t0+15, t0+16..t0+31), updates the running max m and sum l, rescales the row's
// output o when the max grows, and leaves the unnormalised probabilities in p0, p1. Returns
// false when no key of the block is visible to the row (p0 = p1 = 0, nothing changed).
HS_AVX512 static bool softmaxStep(const PrefillArgs& a, int64_t pos, int64_t t0, bool edge, __m512 x0, __m512 x1,
                                  float& m, float& l, float* o, __m512& p0, __m512& p1)
{
    const __m512 scale = _mm512_set1_ps(a.scale);
    x0 = _mm512_mul_ps(x0, scale);
    x1 = _mm512_mul_ps(x1, scale);
    __mmask16 v0 = 0xffff, v1 = 0xffff;
    if (edge) {
        const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i key0 = _mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int32_t>(t0)));
        const __m512i key1 = _mm512_add_epi32(key0, _mm512_set1_epi32(16));
        const __m512i p = _mm512_set1_epi32(static_cast<int32_t>(pos));
        v0 = _mm512_cmple_epi32_mask(key0, p);
        v1 = _mm512_cmple_epi32_mask(key1, p);
        if (a.window > 0) {
            const __m512i oldest = _mm512_set1_epi32(static_cast<int32_t>(pos - a.window));
            v0 &= _mm512_cmpgt_epi32_mask(key0, oldest);
            v1 &= _mm512_cmpgt_epi32_mask(key1, oldest);
        }
    }
    p0 = p1 = _mm512_setzero_ps();
    if (!(v0 | v1))
        return false;
    x0 = _mm512_mask_mov_ps(_mm512_set1_ps(kMinusInf), v0, x0);
    x1 = _mm512_mask_mov_ps(_mm512_set1_ps(kMinusInf), v1, x1);
    const float mNew = std::max(m, _mm512_reduce_max_ps(_mm512_max_ps(x0, x1)));
    const __m512 mv = _mm512_set1_ps(mNew);
    p0 = simd::exp(_mm512_sub_ps(x0, mv));
    p1 = simd::exp(_mm512_sub_ps(x1, mv));
    if (m != kMinusInf && m != mNew) {
        const float alpha = _mm512_cvtss_f32(simd::exp(_mm512_set1_ps(m - mNew)));
        l *= alpha;
        const __m512 av = _mm512_set1_ps(alpha);
        for (int64_t c = 0; c < a.d; c += 16)
            _mm512_storeu_ps(o + c, _mm512_mul_ps(_mm512_loadu_ps(o + c), av));
    }
    m = mNew;
    l += _mm512_reduce_add_ps(_mm512_add_ps(p0, p1));
    return true;
}

// Whether keys [t0, t0 + 32) need masking for some row of the tile: the causal edge, the end
// of the keys, or the sliding window's far edge.
static bool blockNeedsMask(const PrefillArgs& a, const TileRows& t, int64_t t0)
{
    return t0 + kKeyBlock > t.minPos + 1 || t0 + kKeyBlock > a.keys || (a.window > 0 && t0 <= t.maxPos - a.window);
}

// Keys [lo, hi) can be visible to some row of the tile; blocks start on multiples of 32.
static int64_t firstBlock(const PrefillArgs& a, const TileRows& t)
{
    const int64_t lo = a.window > 0 ? std::max<int64_t>(0, t.minPos - a.window + 1) : 0;
    return lo / kKeyBlock * kKeyBlock;
}

template <typename T>
HS_AVX512 static void writeTile(const PrefillArgs& a, const TileRows& t, int64_t rows, const float* o, const float* l)
{
    T* out = static_cast<T*>(a.out);
    for (int64_t r = 0; r < rows; ++r) {
        T* dst = out + (t.head[r] * a.n + t.query[r]) * a.d;
        const __m512 inv = _mm512_set1_ps(1.0f / l[r]);
        for (int64_t c = 0; c < a.d; c += 16)
            simd::store(dst + c, _mm512_mul_ps(_mm512_loadu_ps(o + r * a.d + c), inv));
    }
}

// The online-softmax step of all the tile's rows over 32 keys from t0, stage by stage across
// rows so that the rows' reductions and exponentials overlap instead of waiting on each other.
// Scores s0/s1 (keys t0..t0+15, t0+16..t0+31) are raw Q·K; m holds each row's running max in
// units of log2 (score × scale × log2 e), lsum each row's running sum as a vector (summed
// across lanes once, at the end). Rows whose max grows have their output o rescaled. The
// probabilities go to pb rounded to bf16, key pairs adjacent, for P·V.
HS_AVX512_BF16 static inline __attribute__((always_inline)) void
softmaxBlockBf16(const PrefillArgs& a, const TileRows& t, int64_t t0, bool edge, const __m512* s0, const __m512* s1,
                 float* m, __m512* lsum, float* o, uint16_t* pb)
{
    const __m512 minusInf = _mm512_set1_ps(kMinusInf);
    const float log2Scale = a.scale * 1.44269504088896341f;
    __m512 x0[kRowTile], x1[kRowTile];
    __mmask16 v0[kRowTile], v1[kRowTile];
    for (int64_t r = 0; r < kRowTile; ++r) {
        v0[r] = v1[r] = 0xffff;
        x0[r] = s0[r];
        x1[r] = s1[r];
    }
    if (edge) {
        const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i key0 = _mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int32_t>(t0)));
        const __m512i key1 = _mm512_add_epi32(key0, _mm512_set1_epi32(16));
        for (int64_t r = 0; r < kRowTile; ++r) {
            const __m512i p = _mm512_set1_epi32(static_cast<int32_t>(t.pos[r]));
            v0[r] = _mm512_cmple_epi32_mask(key0, p);
            v1[r] = _mm512_cmple_epi32_mask(key1, p);
            if (a.window > 0) {
                const __m512i oldest = _mm512_set1_epi32(static_cast<int32_t>(t.pos[r] - a.window));
                v0[r] &= _mm512_cmpgt_epi32_mask(key0, oldest);
                v1[r] &= _mm512_cmpgt_epi32_mask(key1, oldest);
            }
            x0[r] = _mm512_mask_mov_ps(minusInf, v0[r], x0[r]);
            x1[r] = _mm512_mask_mov_ps(minusInf, v1[r], x1[r]);
        }
    }
    // The scale is positive (prefillUsable), so the scaled max is the max scaled.
    float blockMax[kRowTile];
    for (int64_t r = 0; r < kRowTile; ++r)
        blockMax[r] = _mm512_reduce_max_ps(_mm512_max_ps(x0[r], x1[r])) * log2Scale;
    const __m512 scale = _mm512_set1_ps(log2Scale);
    for (int64_t r = 0; r < kRowTile; ++r) {
        const float mNew = std::max(m[r], blockMax[r]);
        if (mNew == kMinusInf) { // no key of the block, nor any before it, is visible to this row
            _mm512_storeu_si512(pb + r * kKeyBlock, _mm512_setzero_si512());
            continue;
        }
        if (m[r] != kMinusInf && mNew > m[r]) {
            const float alpha = std::exp2(m[r] - mNew);
            const __m512 av = _mm512_set1_ps(alpha);
            lsum[r] = _mm512_mul_ps(lsum[r], av);
            for (int64_t c = 0; c < a.d; c += 16)
                _mm512_storeu_ps(o + r * a.d + c, _mm512_mul_ps(_mm512_loadu_ps(o + r * a.d + c), av));
        }
        m[r] = mNew;
        const __m512 mv = _mm512_set1_ps(mNew);
        const __m512 p0 = _mm512_maskz_mov_ps(v0[r], simd::exp2NonPositive(_mm512_fmsub_ps(x0[r], scale, mv)));
        const __m512 p1 = _mm512_maskz_mov_ps(v1[r], simd::exp2NonPositive(_mm512_fmsub_ps(x1[r], scale, mv)));
        lsum[r] = _mm512_add_ps(lsum[r], _mm512_add_ps(p0, p1));
        _mm512_storeu_si512(pb + r * kKeyBlock, (__m512i)_mm512_cvtne2ps_pbh(p1, p0)); // P rounded to bf16
    }
}

// O += P · V for the tile's rows over one block's 16 key pairs, `Chunks` (1 or 2) 16-column
// chunks from column 16 * c: with two, 16 independent accumulators keep the vdpbf16ps pipeline
// full (one chunk's 8 chains would wait on the instruction's latency).
template <int Chunks>
HS_AVX512_BF16 static inline __attribute__((always_inline)) void pvChunksBf16(int64_t d, int64_t c, const uint16_t* vb,
                                                                            const uint16_t* pb, float* o)
{
    __m512 acc[Chunks][kRowTile];
    for (int k = 0; k < Chunks; ++k)
        for (int64_t r = 0; r < kRowTile; ++r)
            acc[k][r] = _mm512_loadu_ps(o + r * d + 16 * (c + k));
    for (int64_t j = 0; j < kKeyBlock / 2; ++j) {
        __m512bh vv[Chunks];
        for (int k = 0; k < Chunks; ++k)
            vv[k] = simd::loadPairs(vb + (j * d + 16 * (c + k)) * 2);
        for (int64_t r = 0; r < kRowTile; ++r) {
            int32_t pair;
            std::memcpy(&pair, pb + r * kKeyBlock + 2 * j, sizeof pair);
            const __m512bh pv = (__m512bh)_mm512_set1_epi32(pair);
            for (int k = 0; k < Chunks; ++k)
                acc[k][r] = _mm512_dpbf16_ps(acc[k][r], pv, vv[k]);
        }
    }
    for (int k = 0; k < Chunks; ++k)
        for (int64_t r = 0; r < kRowTile; ++r)
            _mm512_storeu_ps(o + r * d + 16 * (c + k), acc[k][r]);
}

// One tile's step over the 32 keys from t0: S = Q · Kᵀ (two 16-key halves per row, bf16 pairs
// accumulated in float32), the online softmax, O += P · V. The tile's state (m, lsum, o) is
// read from and written back to the unit's arrays.
HS_AVX512_BF16 static inline __attribute__((always_inline)) void
tileBlockBf16(const PrefillArgs& a, const TileRows& t, const uint16_t* const* qrow, int64_t t0, const uint16_t* kp,
              const uint16_t* vp, float* m, float* lsumLanes, float* o, uint16_t* pb)
{
    const int64_t d = a.d, half = d / 2, chunks = d / 16;
    __m512 s0[kRowTile], s1[kRowTile];
    for (int64_t r = 0; r < kRowTile; ++r)
        s0[r] = s1[r] = _mm512_setzero_ps();
    const uint16_t* kb0 = kp + (t0 / 16) * half * 32;
    const uint16_t* kb1 = kb0 + half * 32;
    for (int64_t i = 0; i < half; ++i) {
        const __m512bh k0 = simd::loadPairs(kb0 + i * 32), k1 = simd::loadPairs(kb1 + i * 32);
        for (int64_t r = 0; r < kRowTile; ++r) {
            int32_t pair;
            std::memcpy(&pair, qrow[r] + 2 * i, sizeof pair);
            const __m512bh qb = (__m512bh)_mm512_set1_epi32(pair);
            s0[r] = _mm512_dpbf16_ps(s0[r], qb, k0);
            s1[r] = _mm512_dpbf16_ps(s1[r], qb, k1);
        }
    }
    __m512 lsum[kRowTile];
    for (int64_t r = 0; r < kRowTile; ++r)
        lsum[r] = _mm512_loadu_ps(lsumLanes + 16 * r);
    softmaxBlockBf16(a, t, t0, blockNeedsMask(a, t, t0), s0, s1, m, lsum, o, pb);
    for (int64_t r = 0; r < kRowTile; ++r)
        _mm512_storeu_ps(lsumLanes + 16 * r, lsum[r]);
    // O += P · V over the block's 16 key pairs, two 16-column chunks at a time.
    const uint16_t* vb = vp + (t0 / 2) * d * 2;
    int64_t c = 0;
    for (; c + 2 <= chunks; c += 2)
        pvChunksBf16<2>(d, c, vb, pb, o);
    if (c < chunks)
        pvChunksBf16<1>(d, c, vb, pb, o);
}

// Scratch of one work unit: each row's output, running max and running sum (as 16 lanes).
struct UnitScratch {
    std::vector<float> o, m, lsum;
    std::vector<uint16_t> pb;
};

// All the rows of one work unit (KV head kh, `queries` queries from qBase, × the group's heads)
// in tiles of kRowTile rows, key block by key block: each 32-key block of K and V is loaded
// once into L1 and used by every tile before the next block (tile by tile, each tile would
// stream the whole of K and V through L2 again: at 8K keys, 2 MiB per KV head).
HS_AVX512_BF16 static void prefillUnitBf16(const PrefillArgs& a, int64_t kh, int64_t qBase, int64_t queries,
                                           UnitScratch& s)
{
    const int64_t d = a.d, rows = queries * a.group, tiles = (rows + kRowTile - 1) / kRowTile;
    const auto tileCount = static_cast<std::size_t>(tiles);
    s.o.assign(tileCount * kRowTile * d, 0.0f);
    s.m.assign(tileCount * kRowTile, kMinusInf);
    s.lsum.assign(tileCount * kRowTile * 16, 0.0f);
    s.pb.resize(kRowTile * kKeyBlock);
    std::vector<TileRows> tr(tileCount);
    std::vector<const uint16_t*> qrows(tileCount * kRowTile);
    int64_t from = std::numeric_limits<int64_t>::max(), to = 0;
    for (int64_t i = 0; i < tiles; ++i) {
        const int64_t r0 = i * kRowTile;
        TileRows& t = tr[static_cast<std::size_t>(i)];
        t = tileRows(a, kh, qBase, r0, std::min(kRowTile, rows - r0));
        for (int64_t r = 0; r < kRowTile; ++r)
            qrows[static_cast<std::size_t>(i * kRowTile + r)] =
                static_cast<const uint16_t*>(a.q) + (t.head[r] * a.n + t.query[r]) * d;
        from = std::min(from, firstBlock(a, t));
        to = std::max(to, t.maxPos);
    }
    const uint16_t* kp = static_cast<const uint16_t*>(a.kp) + kh * a.keysPadded * d;
    const uint16_t* vp = static_cast<const uint16_t*>(a.vp) + kh * a.keysPadded * d;
    for (int64_t t0 = from; t0 <= to; t0 += kKeyBlock)
        for (int64_t i = 0; i < tiles; ++i) {
            const TileRows& t = tr[static_cast<std::size_t>(i)];
            if (t0 > t.maxPos || t0 < firstBlock(a, t))
                continue;
            tileBlockBf16(a, t, qrows.data() + i * kRowTile, t0, kp, vp, s.m.data() + i * kRowTile,
                          s.lsum.data() + i * kRowTile * 16, s.o.data() + i * kRowTile * d, s.pb.data());
        }
    for (int64_t i = 0; i < tiles; ++i) {
        // Each row's lanes summed in a fixed order.
        float l[kRowTile];
        for (int64_t r = 0; r < kRowTile; ++r) {
            const float* lanes = s.lsum.data() + (i * kRowTile + r) * 16;
            l[r] = 0.0f;
            for (int64_t j = 0; j < 16; ++j)
                l[r] += lanes[j];
        }
        const int64_t r0 = i * kRowTile;
        writeTile<uint16_t>(a, tr[static_cast<std::size_t>(i)], std::min(kRowTile, rows - r0), s.o.data() + i * kRowTile * d, l);
    }
}

HS_AVX512 static void prefillTileF32(const PrefillArgs& a, int64_t kh, int64_t qBase, int64_t r0, int64_t rows, float* o,
                                     float* pf)
{
    const int64_t d = a.d, chunks = d / 16;
    const TileRows t = tileRows(a, kh, qBase, r0, rows);
    const float* qrow[kRowTile];
    for (int64_t r = 0; r < kRowTile; ++r)
        qrow[r] = static_cast<const float*>(a.q) + (t.head[r] * a.n + t.query[r]) * d;
    float m[kRowTile], l[kRowTile];
    for (int64_t r = 0; r < kRowTile; ++r) {
        m[r] = kMinusInf;
        l[r] = 0.0f;
    }
    std::fill(o, o + kRowTile * d, 0.0f);
    const float* kp = static_cast<const float*>(a.kp) + kh * a.keysPadded * d;
    const Rows<float> v = typed<float>(a.v);
    for (int64_t t0 = firstBlock(a, t); t0 <= t.maxPos; t0 += kKeyBlock) {
        __m512 s0[kRowTile], s1[kRowTile];
        for (int64_t r = 0; r < kRowTile; ++r)
            s0[r] = s1[r] = _mm512_setzero_ps();
        const float* kb0 = kp + (t0 / 16) * d * 16;
        const float* kb1 = kb0 + d * 16;
        for (int64_t c = 0; c < d; ++c) {
            const __m512 k0 = _mm512_loadu_ps(kb0 + c * 16), k1 = _mm512_loadu_ps(kb1 + c * 16);
            for (int64_t r = 0; r < kRowTile; ++r) {
                const __m512 qb = _mm512_set1_ps(qrow[r][c]);
                s0[r] = _mm512_fmadd_ps(qb, k0, s0[r]);
                s1[r] = _mm512_fmadd_ps(qb, k1, s1[r]);
            }
        }
        const bool edge = blockNeedsMask(a, t, t0);
        for (int64_t r = 0; r < kRowTile; ++r) {
            __m512 p0, p1;
            softmaxStep(a, t.pos[r], t0, edge, s0[r], s1[r], m[r], l[r], o + r * d, p0, p1);
            _mm512_storeu_ps(pf + r * kKeyBlock, p0);
            _mm512_storeu_ps(pf + r * kKeyBlock + 16, p1);
        }
        // O += P · V, V rows read in place (only keys that exist: the cache's rows past T
        // hold whatever was there before).
        const int64_t keys = std::min<int64_t>(kKeyBlock, a.keys - t0);
        for (int64_t c = 0; c < chunks; ++c) {
            __m512 acc[kRowTile];
            for (int64_t r = 0; r < kRowTile; ++r)
                acc[r] = _mm512_loadu_ps(o + r * d + 16 * c);
            for (int64_t j = 0; j < keys; ++j) {
                const __m512 vv = _mm512_loadu_ps(v.row(kh, t0 + j) + 16 * c);
                for (int64_t r = 0; r < kRowTile; ++r)
                    acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(pf[r * kKeyBlock + j]), vv, acc[r]);
            }
            for (int64_t r = 0; r < kRowTile; ++r)
                _mm512_storeu_ps(o + r * d + 16 * c, acc[r]);
        }
    }
    writeTile<float>(a, t, rows, o, l);
}

bool prefillUsable(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v)
{
    const auto dtype = q.scalar_type();
    const bool isa = dtype == at::kBFloat16 ? simd::cpuHasAvx512Bf16() : dtype == at::kFloat && simd::cpuHasAvx512();
    return isa && q.device().is_cpu() && k.scalar_type() == dtype && v.scalar_type() == dtype && k.device().is_cpu() &&
           v.device().is_cpu() && q.dim() == 3 && rowsUsable(k) && rowsUsable(v) && k.size(0) > 0 &&
           q.size(0) % k.size(0) == 0 && q.size(2) % 16 == 0 && k.size(2) == q.size(2) && v.size(2) == q.size(2) &&
           v.size(1) >= k.size(1);
}

} // namespace

at::Tensor prefillAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                            const AttentionParams& params)
{
    if (params.softcap > 0.0 || !(params.scale > 0.0) || !prefillUsable(q, k, v))
        return {};
    const bool bf16 = q.scalar_type() == at::kBFloat16;
    const at::Tensor qc = q.contiguous();
    PrefillArgs a;
    a.q = qc.data_ptr();
    a.k = {k.data_ptr(), k.stride(0), k.stride(1)};
    a.v = {v.data_ptr(), v.stride(0), v.stride(1)};
    a.kvHeads = k.size(0);
    a.group = q.size(0) / k.size(0);
    a.n = q.size(1);
    a.d = q.size(2);
    a.start = start;
    a.keys = k.size(1);
    a.window = params.slidingWindow;
    a.scale = static_cast<float>(params.scale);
    a.keysPadded = (a.keys + kKeyBlock - 1) / kKeyBlock * kKeyBlock;
    auto out = at::empty_like(qc); // [H, n, d]
    a.out = out.data_ptr();
    // Packed K (and bf16 V) of every KV head: at most one layer's cache, freed after the call.
    const auto packed = static_cast<std::size_t>(a.kvHeads * a.keysPadded * a.d);
    std::vector<uint16_t> kp16(bf16 ? packed : 0), vp16(bf16 ? packed : 0);
    std::vector<float> kp32(bf16 ? 0 : packed);
    a.kp = bf16 ? static_cast<void*>(kp16.data()) : static_cast<void*>(kp32.data());
    a.vp = vp16.data();
    const int64_t packGrain = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, a.keys * a.d));
    at::parallel_for(0, a.kvHeads, packGrain, [&](int64_t begin, int64_t end) {
        for (int64_t kh = begin; kh < end; ++kh)
            bf16 ? packHeadBf16(a, kh) : packHeadF32(a, kh);
    });
    // Work units (KV head, query block), ordered so that any contiguous half of the list has
    // about half the causal work: query blocks alternate from both ends.
    const int64_t blocks = (a.n + kQueryBlock - 1) / kQueryBlock;
    std::vector<int64_t> order(static_cast<std::size_t>(blocks));
    for (int64_t i = 0; i < blocks; ++i)
        order[static_cast<std::size_t>(i)] = i % 2 == 0 ? i / 2 : blocks - 1 - i / 2;
    const int64_t units = blocks * a.kvHeads;
    const int64_t workPerUnit = std::max<int64_t>(1, kQueryBlock * a.group * a.keys * a.d);
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 20) / workPerUnit);
    at::parallel_for(0, units, grain, [&](int64_t begin, int64_t end) {
        if (bf16) {
            UnitScratch scratch;
            for (int64_t u = begin; u < end; ++u) {
                const int64_t block = order[static_cast<std::size_t>(u / a.kvHeads)], kh = u % a.kvHeads;
                const int64_t qBase = block * kQueryBlock;
                prefillUnitBf16(a, kh, qBase, std::min(kQueryBlock, a.n - qBase), scratch);
            }
            return;
        }
        std::vector<float> o(static_cast<std::size_t>(kRowTile * a.d));
        std::vector<float> pf(static_cast<std::size_t>(kRowTile * kKeyBlock));
        for (int64_t u = begin; u < end; ++u) {
            const int64_t block = order[static_cast<std::size_t>(u / a.kvHeads)], kh = u % a.kvHeads;
            const int64_t qBase = block * kQueryBlock;
            const int64_t rows = std::min(kQueryBlock, a.n - qBase) * a.group;
            for (int64_t r0 = 0; r0 < rows; r0 += kRowTile) {
                const int64_t tile = std::min(kRowTile, rows - r0);
                prefillTileF32(a, kh, qBase, r0, tile, o.data(), pf.data());
            }
        }
    });
    return out;
}

} // namespace headscope::model::cpu
