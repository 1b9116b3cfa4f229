#include "attention.h"

#include "cpu_attention.h"

#include <algorithm>
#include <limits>

namespace headscope::model {

void softcapScores(at::Tensor& scores, const AttentionParams& params)
{
    if (params.softcap > 0.0)
        scores.div_(params.softcap).tanh_().mul_(params.softcap);
}

at::Tensor blockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                            int64_t queryBlock, const AttentionParams& params)
{
    if (at::Tensor fused = cpu::prefillAttention(q, k, v, start, params); fused.defined())
        return fused;
    const int64_t heads = q.size(0), n = q.size(1), d = q.size(2);
    const int64_t kvHeads = k.size(0), group = heads / kvHeads, keys = k.size(1);
    auto out = at::empty_like(q);                     // [H, n, d]
    auto kT = k.transpose(1, 2);                      // [KV, d, T]
    auto keyPos = at::arange(keys, at::TensorOptions().dtype(at::kLong).device(q.device())); // [T]
    for (int64_t b0 = 0; b0 < n; b0 += queryBlock) {
        const int64_t c = std::min(queryBlock, n - b0);
        // [H, c, d] → [KV, G*c, d]: each KV head serves its group's queries without copying K.
        auto qb = q.narrow(1, b0, c).reshape({kvHeads, group * c, d});
        auto scores = at::matmul(qb, kT).to(at::kFloat).mul_(params.scale);      // [KV, G*c, T]
        softcapScores(scores, params);
        auto queryPos = at::arange(start + b0, start + b0 + c, keyPos.options()); // [c]
        auto hidden = keyPos.unsqueeze(0) > queryPos.unsqueeze(1);                // [c, T] future keys
        if (params.slidingWindow > 0)
            hidden = hidden.logical_or(keyPos.unsqueeze(0) <= (queryPos.unsqueeze(1) - params.slidingWindow));
        scores = scores.view({kvHeads, group, c, keys}).masked_fill_(hidden, -std::numeric_limits<float>::infinity());
        auto probs = at::softmax(scores, -1).to(v.scalar_type()).view({kvHeads, group * c, keys});
        out.narrow(1, b0, c).copy_(at::matmul(probs, v).view({heads, c, d}));
    }
    return out;
}

at::Tensor attentionRow(const at::Tensor& q, const at::Tensor& k, int64_t pos, const AttentionParams& params)
{
    if (at::Tensor fused = cpu::attentionRow(q, k, pos, params); fused.defined())
        return fused;
    const int64_t heads = q.size(0), d = q.size(1), kvHeads = k.size(0), group = heads / kvHeads;
    auto scores = at::matmul(q.reshape({kvHeads, group, d}), k.narrow(1, 0, pos + 1).transpose(1, 2))
                      .to(at::kFloat)
                      .mul_(params.scale); // [KV, G, pos+1]
    softcapScores(scores, params);
    if (params.slidingWindow > 0 && pos + 1 > params.slidingWindow)
        scores.narrow(2, 0, pos + 1 - params.slidingWindow).fill_(-std::numeric_limits<float>::infinity());
    return at::softmax(scores, -1).view({heads, pos + 1});
}

at::Tensor spanOutput(const at::Tensor& rows, const at::Tensor& values, int64_t start, int64_t end)
{
    const int64_t heads = rows.size(0), keys = rows.size(1), kvHeads = values.size(0), d = values.size(2);
    const int64_t s = std::clamp<int64_t>(start, 0, keys), e = std::clamp<int64_t>(end, s, keys);
    if (e == s)
        return at::zeros({heads, d}, rows.options());
    auto r = rows.narrow(1, s, e - s).reshape({kvHeads, heads / kvHeads, e - s}); // [KV, G, span]
    auto v = values.narrow(1, s, e - s).to(at::kFloat);                          // [KV, span, d]
    return at::matmul(r, v).reshape({heads, d});
}

at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const AttentionParams& params, at::Tensor* rows)
{
    if (at::Tensor fused = cpu::decodeAttention(q, k, v, params, rows); fused.defined())
        return fused;
    const int64_t heads = q.size(0), d = q.size(1), kvHeads = k.size(0), group = heads / kvHeads;
    const int64_t length = k.size(1);
    // Keys older than the window are not visible to the query at position length − 1.
    const int64_t first = params.slidingWindow > 0 ? std::max<int64_t>(0, length - params.slidingWindow) : 0;
    auto kv = k.narrow(1, first, length - first);                                        // [KV, T', d]
    auto vv = v.narrow(1, first, length - first);
    auto qg = q.view({kvHeads, group, d});                                               // [KV, G, d]
    auto scores = at::matmul(qg, kv.transpose(1, 2)).to(at::kFloat).mul_(params.scale); // [KV, G, T']
    softcapScores(scores, params);
    auto probs = at::softmax(scores, -1);                                                // [KV, G, T'] f32
    auto out = at::matmul(probs.to(vv.scalar_type()), vv);                               // [KV, G, d]
    if (rows) {
        auto visible = probs.view({heads, length - first});
        if (first > 0) {
            *rows = at::zeros({heads, length}, probs.options());
            rows->narrow(1, first, length - first).copy_(visible);
        } else {
            *rows = visible;
        }
    }
    return out.view({heads, d});
}

} // namespace headscope::model
