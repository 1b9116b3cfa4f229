#include "decoder.h"


#include <algorithm>
#include <cmath>

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

FullCaches Decoder::makeCaches(int64_t capacity) const
{
    FullCaches caches;
    caches.reserve(static_cast<std::size_t>(m_config.numLayers));
    const auto options = m_weights.embed.options();
    for (int64_t i = 0; i < m_config.numLayers; ++i)
        caches.emplace_back(m_config.numKvHeads, capacity, m_config.headDim, options);
    return caches;
}

AttentionParams Decoder::attentionParams(int64_t) const
{
    return AttentionParams{m_scale, m_config.slidingWindow.value_or(0)};
}

at::Tensor Decoder::rmsNorm(const at::Tensor& x, const at::Tensor& weight) const
{
    // Statistics in float32 whatever the model dtype, as HF's LlamaRMSNorm does.
    auto xf = x.to(at::kFloat);
    auto normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + m_config.rmsNormEps);
    return weight * normed.to(x.scalar_type());
}

at::Tensor Decoder::prefill(const at::Tensor& ids, FullCaches& caches, const ForwardHooks& hooks,
                            const PrefillOptions& options) const
{
    const int64_t n = ids.size(0);
    const int64_t start = caches.front().length();
    const int64_t last = start + n - 1;
    auto attend = [&](int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor* row,
                      at::Tensor* spanOut) {
        FullKvCache& cache = caches[static_cast<std::size_t>(layer)];
        cache.append(k, v);
        const AttentionParams params = attentionParams(layer);
        // The scored row is computed before the blocked attention: its small buffers then
        // come from the heap before the large score blocks are freed and reused, instead of
        // splitting them (which pushed later large blocks onto fresh, page-faulting memory).
        if (row)
            *row = attentionRow(q.select(1, n - 1), cache.keys(), last, params);
        if (row && spanOut)
            *spanOut = cache.spanOutput(*row, hooks.scored.span->first, hooks.scored.span->second);
        return blockedAttention(q, cache.keys(), cache.values(), start, options.queryBlock, params);
    };
    return runLayers(ids, start, hooks, attend, options.capture, options.allPositions);
}

at::Tensor Decoder::decode(const at::Tensor& id, LayerCaches& caches, const ForwardHooks& hooks) const
{
    auto attend = [&](int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor* row,
                      at::Tensor* spanOut) {
        LayerKvCache& cache = *caches[static_cast<std::size_t>(layer)];
        cache.append(k, v);
        auto out = cache.attendDecode(q.select(1, 0), attentionParams(layer), row).unsqueeze(1);
        if (row && spanOut)
            *spanOut = cache.spanOutput(*row, hooks.scored.span->first, hooks.scored.span->second);
        return out;
    };
    return runLayers(id, caches.front()->length(), hooks, attend, nullptr, false);
}

at::Tensor Decoder::runLayers(const at::Tensor& ids, int64_t start, const ForwardHooks& hooks, const Attend& attend,
                              WindowCapture* capture, bool allPositions) const
{
    const ScoredQuery& scored = hooks.scored;
    const int64_t n = ids.size(0);
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
        if (scored.wants(HookPoint::AttnNorm))
            report(scored, HookPoint::AttnNorm, layer, last, h.narrow(0, n - 1, 1));
        if (scored.wants(HookPoint::Q))
            report(scored, HookPoint::Q, layer, last, q.narrow(1, n - 1, 1).transpose(0, 1));
        if (scored.wants(HookPoint::K))
            report(scored, HookPoint::K, layer, last, k.narrow(1, n - 1, 1).transpose(0, 1));
        if (scored.wants(HookPoint::V))
            report(scored, HookPoint::V, layer, last, v.narrow(1, n - 1, 1).transpose(0, 1));

        at::Tensor row, spanOut;
        const bool wantSpan = scored.wants(HookPoint::HeadWriteSpan) && scored.span;
        const bool wantRow = scored.wants(HookPoint::AttnPattern) || wantSpan;
        at::Tensor attn = attend(li, q, k, v, wantRow ? &row : nullptr, wantSpan ? &spanOut : nullptr); // [H, n, d]
        if (scored.wants(HookPoint::AttnPattern))
            report(scored, HookPoint::AttnPattern, layer, last, row);
        if (hooks.masked)
            for (int head : (*hooks.masked)[static_cast<std::size_t>(li)]) {
                attn.select(0, head).zero_();
                if (spanOut.defined())
                    spanOut.select(0, head).zero_();
            }
        if (scored.wants(HookPoint::HeadWrite) || spanOut.defined()) {
            // Each head's slice of the output through its columns of o_proj (§1G).
            auto wo = w.o.to(at::kFloat).view({m_config.hiddenSize, heads, d}); // [hidden, H, d]
            if (scored.wants(HookPoint::HeadWrite))
                report(scored, HookPoint::HeadWrite, layer, last,
                       at::einsum("hd,Dhd->hD", {attn.select(1, n - 1).to(at::kFloat), wo})); // [H, hidden]
            if (spanOut.defined())
                report(scored, HookPoint::HeadWriteSpan, layer, last, at::einsum("hd,Dhd->hD", {spanOut, wo}));
        }
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

void Decoder::reportTokenReadout(const at::Tensor& hidden, int32_t token, const ScoredQuery& scored) const
{
    if (!scored.wants(HookPoint::TokenReadout))
        return;
    // logit_y = lm_head[y] · (g ⊙ x / rms(x)), linear in x once rms(x) is fixed at its value.
    auto x = hidden.narrow(0, hidden.size(0) - 1, 1).to(at::kFloat);            // [1, hidden]
    auto inverseRms = at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + m_config.rmsNormEps); // [1, 1]
    auto readout = m_weights.finalNorm.to(at::kFloat) * m_weights.lmHead.select(0, token).to(at::kFloat) * inverseRms;
    report(scored, HookPoint::TokenReadout, -1, -1, readout.reshape({m_config.hiddenSize}));
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
