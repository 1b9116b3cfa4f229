#include "decoder.h"

#include "headscope/core/errors.h"

#include <cmath>
#include <limits>

namespace headscope::model {

namespace {

// Hands one tensor to the observer as float32 on the host. Only called for wanted hooks.
void report(const ScoredQuery& scored, HookPoint point, int layer, int64_t position, const at::Tensor& t)
{
    auto host = t.detach().to(at::kCPU, at::kFloat).contiguous();
    std::vector<int64_t> shape(host.sizes().begin(), host.sizes().end());
    HookEvent e{point, layer, scored.step, position, shape,
                std::span<const float>(host.data_ptr<float>(), static_cast<std::size_t>(host.numel()))};
    scored.observer->onHook(e);
}

} // namespace

Decoder::Decoder(const ModelConfig& config, ModelWeights weights, const at::Device& device)
    : m_config(config),
      m_weights(std::move(weights)),
      m_rope(config, device),
      m_device(device),
      m_scale(1.0 / std::sqrt(static_cast<double>(config.headDim)))
{
}

std::vector<std::unique_ptr<LayerKvCache>> Decoder::makeCaches(int64_t capacity) const
{
    std::vector<std::unique_ptr<LayerKvCache>> caches;
    const auto options = m_weights.embed.options();
    for (int64_t i = 0; i < m_config.numLayers; ++i)
        caches.push_back(std::make_unique<FullKvCache>(m_config.numKvHeads, capacity, m_config.headDim, options,
                                                       m_config.slidingWindow.value_or(0)));
    return caches;
}

at::Tensor Decoder::rmsNorm(const at::Tensor& x, const at::Tensor& weight) const
{
    // Statistics in float32 whatever the model dtype, as HF's LlamaRMSNorm does.
    auto xf = x.to(at::kFloat);
    auto normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + m_config.rmsNormEps);
    return weight * normed.to(x.scalar_type());
}

at::Tensor Decoder::blockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                                     int64_t queryBlock) const
{
    const int64_t heads = q.size(0), n = q.size(1), d = q.size(2);
    const int64_t kvHeads = k.size(0), group = heads / kvHeads, keys = k.size(1);
    const int64_t window = m_config.slidingWindow.value_or(0);
    auto out = at::empty_like(q);                     // [H, n, d]
    auto kT = k.transpose(1, 2);                      // [KV, d, T]
    auto keyPos = at::arange(keys, at::TensorOptions().dtype(at::kLong).device(q.device())); // [T]
    for (int64_t b0 = 0; b0 < n; b0 += queryBlock) {
        const int64_t c = std::min(queryBlock, n - b0);
        // [H, c, d] → [KV, G*c, d]: each KV head serves its group's queries without copying K.
        auto qb = q.narrow(1, b0, c).reshape({kvHeads, group * c, d});
        auto scores = at::matmul(qb, kT).to(at::kFloat).mul_(m_scale); // [KV, G*c, T]
        auto queryPos = at::arange(start + b0, start + b0 + c, keyPos.options());     // [c]
        auto hidden = keyPos.unsqueeze(0) > queryPos.unsqueeze(1);                   // [c, T] future keys
        if (window > 0)
            hidden = hidden.logical_or(keyPos.unsqueeze(0) <= (queryPos.unsqueeze(1) - window));
        scores = scores.view({kvHeads, group, c, keys}).masked_fill_(hidden, -std::numeric_limits<float>::infinity());
        auto probs = at::softmax(scores, -1).to(v.scalar_type()).view({kvHeads, group * c, keys});
        out.narrow(1, b0, c).copy_(at::matmul(probs, v).view({heads, c, d}));
    }
    return out;
}

at::Tensor Decoder::attentionRow(const at::Tensor& q, const at::Tensor& k, int64_t pos) const
{
    const int64_t heads = q.size(0), d = q.size(1), kvHeads = k.size(0), group = heads / kvHeads;
    auto scores = at::matmul(q.reshape({kvHeads, group, d}), k.narrow(1, 0, pos + 1).transpose(1, 2))
                      .to(at::kFloat)
                      .mul_(m_scale); // [KV, G, pos+1]
    const int64_t window = m_config.slidingWindow.value_or(0);
    if (window > 0 && pos + 1 > window)
        scores.narrow(2, 0, pos + 1 - window).fill_(-std::numeric_limits<float>::infinity());
    return at::softmax(scores, -1).view({heads, pos + 1});
}

at::Tensor Decoder::forward(const at::Tensor& ids, std::vector<std::unique_ptr<LayerKvCache>>& caches,
                            int64_t queryBlock, const ScoredQuery& scored,
                            const std::vector<std::vector<int>>& maskedHeads, bool allPositions,
                            WindowCapture* capture) const
{
    const int64_t n = ids.size(0);
    const int64_t start = caches.front()->length();
    const int64_t last = start + n - 1;
    const int64_t heads = m_config.numHeads, kvHeads = m_config.numKvHeads, d = m_config.headDim;
    auto x = at::embedding(m_weights.embed, ids); // [n, hidden]
    if (scored.wants(HookPoint::Embed))
        report(scored, HookPoint::Embed, -1, last, x.narrow(0, n - 1, 1));
    for (int64_t li = 0; li < m_config.numLayers; ++li) {
        const int layer = static_cast<int>(li);
        const LayerWeights& w = m_weights.layers[static_cast<std::size_t>(li)];
        auto h = rmsNorm(x, w.inputNorm); // [n, hidden]
        auto q = at::linear(h, w.q, w.qBias).view({n, heads, d}).transpose(0, 1);    // [H, n, d]
        auto k = at::linear(h, w.k, w.kBias).view({n, kvHeads, d}).transpose(0, 1);  // [KV, n, d]
        auto v = at::linear(h, w.v, w.vBias).view({n, kvHeads, d}).transpose(0, 1);  // [KV, n, d]
        q = m_rope.apply(q, start);
        k = m_rope.apply(k, start);
        if (capture && capture->size > 0) {
            const int64_t keep = std::min(capture->size, n);
            capture->queries.push_back(q.narrow(1, n - keep, keep).clone()); // [H, keep, d]
        }
        LayerKvCache& cache = *caches[static_cast<std::size_t>(li)];
        cache.append(k, v);
        if (scored.wants(HookPoint::AttnNorm))
            report(scored, HookPoint::AttnNorm, layer, last, h.narrow(0, n - 1, 1));
        if (scored.wants(HookPoint::Q))
            report(scored, HookPoint::Q, layer, last, q.narrow(1, n - 1, 1).transpose(0, 1));
        if (scored.wants(HookPoint::K))
            report(scored, HookPoint::K, layer, last, k.narrow(1, n - 1, 1).transpose(0, 1));
        if (scored.wants(HookPoint::V))
            report(scored, HookPoint::V, layer, last, v.narrow(1, n - 1, 1).transpose(0, 1));

        at::Tensor attn; // [H, n, d]
        const bool wantRow = scored.wants(HookPoint::AttnPattern);
        if (n == 1) {
            at::Tensor rows;
            attn = cache.attendDecode(q.select(1, 0), m_scale, wantRow ? &rows : nullptr).unsqueeze(1);
            if (wantRow)
                report(scored, HookPoint::AttnPattern, layer, last, rows);
        } else {
            auto* full = dynamic_cast<FullKvCache*>(&cache);
            if (!full)
                throw UsageError("multi-token forward over a compressed cache: prefill runs on the full cache only");
            // The scored row is computed before the blocked attention: its small buffers then
            // come from the heap before the large score blocks are freed and reused, instead of
            // splitting them (which pushed later large blocks onto fresh, page-faulting memory).
            if (wantRow)
                report(scored, HookPoint::AttnPattern, layer, last, attentionRow(q.select(1, n - 1), full->keys(), last));
            attn = blockedAttention(q, full->keys(), full->values(), start, queryBlock);
        }
        const auto& masked = maskedHeads.empty() ? std::vector<int>() : maskedHeads[static_cast<std::size_t>(li)];
        for (int head : masked)
            attn.select(0, head).zero_();
        auto attnOut = at::linear(attn.transpose(0, 1).reshape({n, heads * d}), w.o); // [n, hidden]
        if (scored.wants(HookPoint::AttnOut))
            report(scored, HookPoint::AttnOut, layer, last, attnOut.narrow(0, n - 1, 1));
        x = x + attnOut;
        auto h2 = rmsNorm(x, w.postNorm);
        auto mlp = at::linear(at::silu(at::linear(h2, w.gate)) * at::linear(h2, w.up), w.down); // [n, hidden]
        if (scored.wants(HookPoint::MlpOut))
            report(scored, HookPoint::MlpOut, layer, last, mlp.narrow(0, n - 1, 1));
        x = x + mlp;
        if (scored.wants(HookPoint::ResidPost))
            report(scored, HookPoint::ResidPost, layer, last, x.narrow(0, n - 1, 1));
    }
    return allPositions ? x : x.narrow(0, n - 1, 1);
}

at::Tensor Decoder::logits(const at::Tensor& hidden, const ScoredQuery& scored) const
{
    auto normed = rmsNorm(hidden, m_weights.finalNorm); // [n, hidden]
    if (scored.wants(HookPoint::FinalNorm))
        report(scored, HookPoint::FinalNorm, -1, -1, normed.narrow(0, normed.size(0) - 1, 1));
    auto out = at::linear(normed, m_weights.lmHead).to(at::kFloat); // [n, vocab]
    if (scored.wants(HookPoint::Logits))
        report(scored, HookPoint::Logits, -1, -1, out.narrow(0, out.size(0) - 1, 1));
    return out;
}

} // namespace headscope::model
