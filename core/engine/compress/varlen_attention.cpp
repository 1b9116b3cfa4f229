#include "varlen_attention.h"

#include "headscope/core/errors.h"

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>

#include <cmath>
#include <limits>
#include <vector>

namespace headscope::compress {

namespace {

constexpr float kHidden = -std::numeric_limits<float>::infinity();

// Eight independent partial sums: a fixed summation order that the compiler can still vectorise
// (a single running sum would serialise on the add latency).
template <typename T>
inline float dot(const float* q, const T* k, int64_t d)
{
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= d; i += 8)
        for (int lane = 0; lane < 8; ++lane)
            acc[lane] += q[i + lane] * static_cast<float>(k[i + lane]);
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < d; ++i)
        sum += q[i] * static_cast<float>(k[i]);
    return sum;
}

template <typename T>
inline void axpy(float a, const T* x, float* y, int64_t d)
{
    for (int64_t i = 0; i < d; ++i)
        y[i] += a * static_cast<float>(x[i]);
}

struct KernelArgs {
    const float* q;        // [H, d]
    const int64_t* positions;
    VarlenSegments segments;
    int64_t heads, d;
    float scale;
    float softcap;         // > 0: tanh soft-cap of the scaled score
    int64_t firstVisible;
    float* out;            // [H, d], zeroed
    float* rows;           // [H, rowLength] zeroed, or null
    int64_t rowLength;
};

template <typename T>
void fusedKernel(const KernelArgs& a, const T* k, const T* v)
{
    const auto stored = static_cast<int64_t>(a.segments.offsets.size());
    const int64_t group = a.heads / stored;
    // One task per stored head: its K and V rows are read once per query of its group, while
    // they are still in cache.
    at::parallel_for(0, stored, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> probs;
        for (int64_t s = begin; s < end; ++s) {
            const int64_t off = a.segments.offsets[static_cast<std::size_t>(s)];
            const int64_t len = a.segments.lengths[static_cast<std::size_t>(s)];
            const int64_t* pos = a.positions + off;
            probs.assign(static_cast<std::size_t>(group * len), 0.0f);
            for (int64_t g = 0; g < group; ++g) {
                const int64_t h = s * group + g;
                const float* qh = a.q + h * a.d;
                float* p = probs.data() + g * len;
                float best = kHidden;
                for (int64_t j = 0; j < len; ++j) {
                    if (pos[j] < a.firstVisible) {
                        p[j] = kHidden;
                    } else {
                        p[j] = dot(qh, k + (off + j) * a.d, a.d) * a.scale;
                        if (a.softcap > 0.0f)
                            p[j] = std::tanh(p[j] / a.softcap) * a.softcap;
                    }
                    best = std::max(best, p[j]);
                }
                if (best == kHidden) { // nothing visible: the head contributes zeros
                    std::fill(p, p + len, 0.0f);
                    continue;
                }
                float total = 0.0f;
                for (int64_t j = 0; j < len; ++j) {
                    p[j] = p[j] == kHidden ? 0.0f : std::exp(p[j] - best);
                    total += p[j];
                }
                const float inv = 1.0f / total;
                float* o = a.out + h * a.d;
                for (int64_t j = 0; j < len; ++j) {
                    p[j] *= inv;
                    if (p[j] != 0.0f)
                        axpy(p[j], v + (off + j) * a.d, o, a.d);
                }
                if (a.rows) {
                    float* row = a.rows + h * a.rowLength;
                    for (int64_t j = 0; j < len; ++j)
                        row[pos[j]] = p[j];
                }
            }
        }
    });
}

void checkShapes(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& positions,
                 VarlenSegments segments)
{
    const auto stored = static_cast<int64_t>(segments.offsets.size());
    if (stored == 0 || segments.lengths.size() != segments.offsets.size() || q.dim() != 2 || k.dim() != 2 ||
        q.size(0) % stored != 0 || k.sizes() != v.sizes() || k.size(1) != q.size(1) || positions.size(0) != k.size(0))
        throw UsageError("varlen decode attention: inconsistent shapes (q " + std::to_string(q.dim()) + "-d, " +
                         std::to_string(stored) + " stored heads, k rows " + std::to_string(k.size(0)) + ")");
}

} // namespace

at::Tensor varlenDecodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 const at::Tensor& positions, VarlenSegments segments, double scale,
                                 int64_t firstVisible, int64_t rowLength, at::Tensor* rows, double softcap)
{
    if (!q.device().is_cpu())
        return varlenDecodeAttentionAten(q, k, v, positions, segments, scale, firstVisible, rowLength, rows, softcap);
    checkShapes(q, k, v, positions, segments);
    auto qf = q.to(at::kFloat).contiguous();                          // [H, d]
    auto out = at::zeros(qf.sizes(), qf.options());                   // [H, d] f32
    at::Tensor probs;
    if (rows)
        probs = at::zeros({q.size(0), rowLength}, qf.options());      // [H, rowLength]
    auto pos = positions.to(at::kLong).contiguous();
    auto kc = k.contiguous(), vc = v.contiguous();
    KernelArgs a{qf.data_ptr<float>(), pos.data_ptr<int64_t>(), segments, q.size(0), q.size(1),
                 static_cast<float>(scale), static_cast<float>(softcap), firstVisible, out.data_ptr<float>(),
                 rows ? probs.data_ptr<float>() : nullptr, rowLength};
    switch (kc.scalar_type()) {
    case at::kFloat: fusedKernel(a, kc.data_ptr<float>(), vc.data_ptr<float>()); break;
    case at::kBFloat16: fusedKernel(a, kc.data_ptr<c10::BFloat16>(), vc.data_ptr<c10::BFloat16>()); break;
    default:
        return varlenDecodeAttentionAten(q, k, v, positions, segments, scale, firstVisible, rowLength, rows, softcap);
    }
    if (rows)
        *rows = probs;
    return out.to(q.scalar_type());
}

at::Tensor varlenDecodeAttentionAten(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const at::Tensor& positions, VarlenSegments segments, double scale,
                                     int64_t firstVisible, int64_t rowLength, at::Tensor* rows, double softcap)
{
    checkShapes(q, k, v, positions, segments);
    const auto stored = static_cast<int64_t>(segments.offsets.size());
    const int64_t group = q.size(0) / stored;
    auto out = at::zeros_like(q); // [H, d]
    at::Tensor probsAll;
    if (rows)
        probsAll = at::zeros({q.size(0), rowLength}, q.options().dtype(at::kFloat));
    for (int64_t s = 0; s < stored; ++s) {
        const int64_t off = segments.offsets[static_cast<std::size_t>(s)];
        const int64_t len = segments.lengths[static_cast<std::size_t>(s)];
        if (len == 0)
            continue;
        auto ks = k.narrow(0, off, len), vs = v.narrow(0, off, len);     // [len, d]
        auto ps = positions.narrow(0, off, len);                          // [len]
        auto scores = at::matmul(q.narrow(0, s * group, group), ks.t()).to(at::kFloat).mul_(scale); // [G, len]
        if (softcap > 0.0)
            scores.div_(softcap).tanh_().mul_(softcap);
        if (firstVisible > 0)
            scores.masked_fill_((ps < firstVisible).unsqueeze(0), kHidden);
        auto probs = at::softmax(scores, -1).nan_to_num_(0.0);           // [G, len]; all hidden → 0
        out.narrow(0, s * group, group).copy_(at::matmul(probs.to(v.scalar_type()), vs));
        if (rows)
            probsAll.narrow(0, s * group, group).index_copy_(1, ps.to(at::kLong), probs);
    }
    if (rows)
        *rows = probsAll;
    return out;
}

} // namespace headscope::compress
