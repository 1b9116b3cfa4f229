#include "decoder.h"

#include "cpu_kernels.h"

#include <algorithm>
#include <array>
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

// A Linear layer; one row (decode) goes through the streaming matrix-vector kernel.
at::Tensor project(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {})
{
    if (x.size(0) == 1)
        if (at::Tensor row = cpu::linearRow(x, weight, bias); row.defined())
            return row;
    return at::linear(x, weight, bias);
}

// Several Linear layers of the same input; one row (decode) goes through the streaming kernel
// as one task, so its threads meet once for all of them.
template <std::size_t N>
std::array<at::Tensor, N> projectAll(const at::Tensor& x, const std::array<std::pair<const at::Tensor*, const at::Tensor*>, N>& layers)
{
    std::array<at::Tensor, N> out;
    if (x.size(0) == 1) {
        std::vector<at::Tensor> rows;
        if constexpr (N == 2)
            rows = cpu::linearRows(x, {{*layers[0].first, *layers[0].second}, {*layers[1].first, *layers[1].second}});
        else
            rows = cpu::linearRows(x, {{*layers[0].first, *layers[0].second}, {*layers[1].first, *layers[1].second},
                                       {*layers[2].first, *layers[2].second}});
        if (rows.size() == N) {
            for (std::size_t i = 0; i < N; ++i)
                out[i] = std::move(rows[i]);
            return out;
        }
    }
    for (std::size_t i = 0; i < N; ++i)
        out[i] = project(x, *layers[i].first, *layers[i].second);
    return out;
}

// silu(gate) * up: one fused pass on the CPU.
at::Tensor swiglu(const at::Tensor& gate, const at::Tensor& up)
{
    at::Tensor fused = cpu::swiglu(gate, up);
    return fused.defined() ? fused : at::silu(gate) * up;
}

} // namespace

Decoder::Decoder(const ModelConfig& config, ModelWeights weights, const at::Device& device)
    : m_config(config),
      m_weights(std::move(weights)),
      m_rope(config, device),
      m_device(device),
      m_scale(config.attentionScale())
{
    if (config.localRopeTheta)
        m_localRope.emplace(RopeParameters{*config.localRopeTheta, RopeScaling{}}, config.headDim, config.rotaryDim(), device);
}

const Rope& Decoder::ropeFor(int64_t layer) const
{
    return m_localRope && m_config.layerType(layer) == LayerType::Sliding ? *m_localRope : m_rope;
}

bool Decoder::longRopeFactors(int64_t sequenceLength) const
{
    return m_rope.usesLongFactors(sequenceLength);
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

AttentionParams Decoder::attentionParams(int64_t layer) const
{
    return AttentionParams{m_scale, m_config.layerWindow(layer), m_config.attnLogitSoftcap.value_or(0.0)};
}

at::Tensor Decoder::rmsNorm(const at::Tensor& x, const at::Tensor& weight) const
{
    // Weight style (Llama): one fused pass on the CPU; the (1 + w) style (Gemma) below.
    if (m_config.normStyle == NormStyle::Weight)
        if (at::Tensor fused = cpu::rmsNorm(x, weight, m_config.rmsNormEps); fused.defined())
            return fused;
    // Statistics in float32 whatever the model dtype, as HF's RMSNorms do. Llama casts back
    // before the weight; Gemma scales by (1 + w) in float32 and casts after.
    auto xf = x.to(at::kFloat);
    auto normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + m_config.rmsNormEps);
    if (m_config.normStyle == NormStyle::OffsetWeight)
        return (normed * (weight.to(at::kFloat) + 1.0)).to(x.scalar_type());
    return weight * normed.to(x.scalar_type());
}

at::Tensor Decoder::normScale(const at::Tensor& x, const at::Tensor& weight) const
{
    auto xf = x.to(at::kFloat).reshape({-1});                                   // [hidden]
    auto gain = m_config.normStyle == NormStyle::OffsetWeight ? weight.to(at::kFloat) + 1.0 : weight.to(at::kFloat);
    return gain * at::rsqrt(xf.pow(2).mean() + m_config.rmsNormEps);
}

at::Tensor Decoder::prefill(const at::Tensor& ids, FullCaches& caches, const ForwardHooks& hooks,
                            const PrefillOptions& options) const
{
    const int64_t n = ids.size(0);
    const int64_t start = caches.front().length();
    const int64_t last = start + n - 1;
    const bool longFactors = longRopeFactors(options.sequenceLength > 0 ? options.sequenceLength : start + n);
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
    return runLayers(ids, start, hooks, attend, options.capture, options.allPositions, longFactors);
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
    const int64_t start = caches.front()->length();
    return runLayers(id, start, hooks, attend, nullptr, false, longRopeFactors(start + 1));
}

at::Tensor Decoder::runLayers(const at::Tensor& ids, int64_t start, const ForwardHooks& hooks, const Attend& attend,
                              WindowCapture* capture, bool allPositions, bool longFactors) const
{
    const ScoredQuery& scored = hooks.scored;
    const int64_t n = ids.size(0);
    const int64_t last = start + n - 1;
    const int64_t heads = m_config.numHeads, kvHeads = m_config.numKvHeads, d = m_config.headDim;
    auto x = at::embedding(m_weights.embed, ids); // [n, hidden]
    if (m_config.embeddingMultiplier != 1.0) // in the model dtype, as transformers casts the scale
        x = x * at::scalar_tensor(m_config.embeddingMultiplier, x.options());
    if (scored.wants(HookPoint::Embed))
        report(scored, HookPoint::Embed, -1, last, x.narrow(0, n - 1, 1));
    for (int64_t li = 0; li < m_config.numLayers; ++li) {
        const int layer = static_cast<int>(li);
        const LayerWeights& w = m_weights.layers[static_cast<std::size_t>(li)];
        auto h = rmsNorm(x, w.inputNorm); // [n, hidden]
        auto [qp, kp, vp] = projectAll<3>(h, {{{&w.q, &w.qBias}, {&w.k, &w.kBias}, {&w.v, &w.vBias}}}); // [n, H*d], [n, KV*d] ×2
        if (w.qNorm.defined()) { // per head, over head_dim, before RoPE
            qp = rmsNorm(qp.reshape({n * heads, d}), w.qNorm).view({n, heads * d});
            kp = rmsNorm(kp.reshape({n * kvHeads, d}), w.kNorm).view({n, kvHeads * d});
        }
        const Rope& rope = ropeFor(li);
        auto q = rope.applyToHeads(qp, heads, start, longFactors);   // [H, n, d]
        auto k = rope.applyToHeads(kp, kvHeads, start, longFactors); // [KV, n, d]
        auto v = vp.view({n, kvHeads, d}).transpose(0, 1); // [KV, n, d]
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
        at::Tensor headWrite, headWriteSpan; // [H, hidden] each, when wanted
        if (scored.wants(HookPoint::HeadWrite) || spanOut.defined()) {
            // Each head's slice of the output through its columns of o_proj (§1G).
            auto wo = w.o.to(at::kFloat).view({m_config.hiddenSize, heads, d}); // [hidden, H, d]
            if (scored.wants(HookPoint::HeadWrite))
                headWrite = at::einsum("hd,Dhd->hD", {attn.select(1, n - 1).to(at::kFloat), wo});
            if (spanOut.defined())
                headWriteSpan = at::einsum("hd,Dhd->hD", {spanOut, wo});
        }
        auto attnOut = project(attn.transpose(0, 1).reshape({n, heads * d}), w.o); // [n, hidden]
        if (w.attnOutNorm.defined()) {
            // A post-attention norm scales the heads' sum: with its RMS held at its value (as
            // for the final norm, §1G) each head's write is scaled the same way.
            if (headWrite.defined() || headWriteSpan.defined()) {
                const auto scale = normScale(attnOut.narrow(0, n - 1, 1), w.attnOutNorm); // [hidden]
                if (headWrite.defined())
                    headWrite = headWrite * scale;
                if (headWriteSpan.defined())
                    headWriteSpan = headWriteSpan * scale;
            }
            attnOut = rmsNorm(attnOut, w.attnOutNorm);
        }
        if (headWrite.defined())
            report(scored, HookPoint::HeadWrite, layer, last, headWrite);
        if (headWriteSpan.defined())
            report(scored, HookPoint::HeadWriteSpan, layer, last, headWriteSpan);
        if (scored.wants(HookPoint::AttnOut))
            report(scored, HookPoint::AttnOut, layer, last, attnOut.narrow(0, n - 1, 1));
        x.add_(attnOut); // x is this pass's own tensor (embedding output or a sum)
        auto h2 = rmsNorm(x, w.postNorm);
        const at::Tensor none;
        auto [gate, up] = projectAll<2>(h2, {{{&w.gate, &none}, {&w.up, &none}}}); // [n, intermediate] ×2
        auto act = m_config.activation == Activation::GeluTanh ? at::gelu(gate, "tanh") * up : swiglu(gate, up);
        auto mlp = project(act, w.down); // [n, hidden]
        if (w.mlpOutNorm.defined())
            mlp = rmsNorm(mlp, w.mlpOutNorm);
        if (scored.wants(HookPoint::MlpOut))
            report(scored, HookPoint::MlpOut, layer, last, mlp.narrow(0, n - 1, 1));
        x.add_(mlp);
        if (scored.wants(HookPoint::ResidPost))
            report(scored, HookPoint::ResidPost, layer, last, x.narrow(0, n - 1, 1));
    }
    return allPositions ? x : x.narrow(0, n - 1, 1);
}

void Decoder::reportTokenReadout(const at::Tensor& hidden, int32_t token, const ScoredQuery& scored) const
{
    if (!scored.wants(HookPoint::TokenReadout))
        return;
    // logit_y = lm_head[y] · (g ⊙ x / rms(x)), linear in x once rms(x) is fixed at its value
    // (before the final soft-cap, where a family has one).
    auto readout = normScale(hidden.narrow(0, hidden.size(0) - 1, 1), m_weights.finalNorm) *
                   m_weights.lmHead.select(0, token).to(at::kFloat);
    report(scored, HookPoint::TokenReadout, -1, -1, readout.reshape({m_config.hiddenSize}));
}

at::Tensor Decoder::logits(const at::Tensor& hidden, const ScoredQuery& scored) const
{
    auto normed = rmsNorm(hidden, m_weights.finalNorm); // [n, hidden]
    if (scored.wants(HookPoint::FinalNorm))
        report(scored, HookPoint::FinalNorm, -1, -1, normed.narrow(0, normed.size(0) - 1, 1));
    auto out = project(normed, m_weights.lmHead).to(at::kFloat); // [n, vocab]
    if (m_config.finalLogitSoftcap)
        out.div_(*m_config.finalLogitSoftcap).tanh_().mul_(*m_config.finalLogitSoftcap);
    if (scored.wants(HookPoint::Logits))
        report(scored, HookPoint::Logits, -1, -1, out.narrow(0, out.size(0) - 1, 1));
    return out;
}

} // namespace headscope::model
