#include "snapkv_scores.h"

#include <limits>

namespace headscope::compress {

at::Tensor observationScores(const at::Tensor& windowQueries, const at::Tensor& keys, double scale,
                             int64_t slidingWindow, double softcap)
{
    const int64_t heads = windowQueries.size(0), w = windowQueries.size(1), d = windowQueries.size(2);
    const int64_t kvHeads = keys.size(0), group = heads / kvHeads, total = keys.size(1), prefix = total - w;
    auto logits = at::matmul(windowQueries.reshape({kvHeads, group * w, d}), keys.transpose(1, 2))
                      .to(at::kFloat)
                      .mul_(scale)
                      .view({kvHeads, group, w, total}); // [KV, G, w, T]
    if (softcap > 0.0)
        logits.div_(softcap).tanh_().mul_(softcap);
    auto opts = at::TensorOptions().dtype(at::kLong).device(keys.device());
    auto keyPos = at::arange(total, opts).unsqueeze(0);            // [1, T]
    auto queryPos = at::arange(prefix, total, opts).unsqueeze(1);  // [w, 1]
    auto hidden = keyPos > queryPos;                               // [w, T]
    if (slidingWindow > 0)
        hidden = hidden.logical_or(keyPos <= queryPos - slidingWindow);
    logits.masked_fill_(hidden, -std::numeric_limits<float>::infinity());
    auto probs = at::softmax(logits, -1);                          // [KV, G, w, T]
    return probs.narrow(3, 0, prefix).mean(2).reshape({heads, prefix}); // [H, T−w]
}

at::Tensor poolAlongKeys(const at::Tensor& scores, Pooling pooling, int kernel)
{
    if (kernel <= 1)
        return scores;
    auto x = scores.unsqueeze(1); // [S, 1, P]
    auto pooled = pooling == Pooling::Max ? at::max_pool1d(x, {kernel}, {1}, {kernel / 2})
                                          : at::avg_pool1d(x, {kernel}, {1}, {kernel / 2}, false, true);
    return pooled.squeeze(1);     // [S, P]
}

at::Tensor reduceGroups(const at::Tensor& scores, int64_t kvHeads, GroupAggregation aggregation)
{
    const int64_t heads = scores.size(0), prefix = scores.size(1);
    auto grouped = scores.view({kvHeads, heads / kvHeads, prefix}); // [KV, G, P]
    switch (aggregation) {
    case GroupAggregation::Max: return std::get<0>(grouped.max(1));
    case GroupAggregation::Sum: return grouped.sum(1);
    case GroupAggregation::Mean: break;
    }
    return grouped.mean(1);
}

} // namespace headscope::compress
