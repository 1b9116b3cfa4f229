#include "tiny_llama.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>

#include <algorithm>
#include <cmath>

namespace headscope::demo {

namespace {
std::string layerName(int64_t i, const char* suffix)
{
    return "model.layers." + std::to_string(i) + "." + suffix;
}
} // namespace

torch::Tensor TinyLlamaImpl::addWeight(const std::string& hfName, torch::Tensor init)
{
    std::string moduleName = hfName;
    std::replace(moduleName.begin(), moduleName.end(), '.', '_');
    torch::Tensor registered = register_parameter(moduleName, std::move(init));
    m_named.emplace_back(hfName, registered);
    return registered;
}

TinyLlamaImpl::TinyLlamaImpl(const TinyLlamaShape& shape, uint64_t seed) : m_shape(shape)
{
    torch::manual_seed(seed);
    const int64_t h = shape.hidden, d = shape.headDim();
    auto normal = [](std::vector<int64_t> dims, double stddev) { return torch::randn(dims) * stddev; };
    const double projStd = 1.0 / std::sqrt(static_cast<double>(h));
    // Residual-branch outputs start small (GPT-2 style scaling) so early training is stable.
    const double outStd = projStd / std::sqrt(2.0 * static_cast<double>(shape.layers));

    m_embed = addWeight("model.embed_tokens.weight", normal({shape.vocab, h}, 0.02 * std::sqrt(256.0 / h) * 2.5));
    for (int64_t i = 0; i < shape.layers; ++i) {
        Layer l;
        l.inputNorm = addWeight(layerName(i, "input_layernorm.weight"), torch::ones({h}));
        l.q = addWeight(layerName(i, "self_attn.q_proj.weight"), normal({shape.heads * d, h}, projStd));
        l.k = addWeight(layerName(i, "self_attn.k_proj.weight"), normal({shape.kvHeads * d, h}, projStd));
        l.v = addWeight(layerName(i, "self_attn.v_proj.weight"), normal({shape.kvHeads * d, h}, projStd));
        l.o = addWeight(layerName(i, "self_attn.o_proj.weight"), normal({h, shape.heads * d}, outStd));
        l.postNorm = addWeight(layerName(i, "post_attention_layernorm.weight"), torch::ones({h}));
        l.gate = addWeight(layerName(i, "mlp.gate_proj.weight"), normal({shape.intermediate, h}, projStd));
        l.up = addWeight(layerName(i, "mlp.up_proj.weight"), normal({shape.intermediate, h}, projStd));
        l.down = addWeight(layerName(i, "mlp.down_proj.weight"),
                                    normal({h, shape.intermediate}, outStd * std::sqrt(static_cast<double>(h) / shape.intermediate)));
        m_layers.push_back(l);
    }
    m_finalNorm = addWeight("model.norm.weight", torch::ones({h}));
}

torch::Tensor TinyLlamaImpl::rmsNorm(const torch::Tensor& x, const torch::Tensor& w) const
{
    auto var = x.pow(2).mean(-1, /*keepdim=*/true);
    return x * torch::rsqrt(var + m_shape.rmsNormEps) * w;
}

torch::Tensor TinyLlamaImpl::applyRope(const torch::Tensor& x) const
{
    const int64_t seq = x.size(2), d = x.size(3);
    if (!m_cos.defined() || m_cos.size(0) < seq) {
        // HF Llama convention: inv_freq over even dims, cos/sin duplicated across the two halves.
        auto invFreq = 1.0 / torch::pow(m_shape.ropeTheta, torch::arange(0, d, 2, torch::kFloat64) / static_cast<double>(d));
        auto pos = torch::arange(seq, torch::kFloat64);
        auto freqs = torch::outer(pos, invFreq);          // [seq, d/2]
        auto emb = torch::cat({freqs, freqs}, -1);        // [seq, d]
        m_cos = emb.cos().to(torch::kFloat32);
        m_sin = emb.sin().to(torch::kFloat32);
    }
    auto cos = m_cos.slice(0, 0, seq), sin = m_sin.slice(0, 0, seq);
    auto x1 = x.slice(-1, 0, d / 2), x2 = x.slice(-1, d / 2, d);
    auto rotated = torch::cat({-x2, x1}, -1);
    return x * cos + rotated * sin;
}

torch::Tensor TinyLlamaImpl::projectHeadOutput(int64_t layer, int64_t head, const torch::Tensor& headSlice) const
{
    const int64_t d = m_shape.headDim();
    const auto& o = m_layers[static_cast<std::size_t>(layer)].o;            // [hidden, heads * d]
    return torch::matmul(headSlice, o.slice(1, head * d, (head + 1) * d).t()); // [..., hidden]
}

torch::Tensor TinyLlamaImpl::forward(const torch::Tensor& ids, std::vector<torch::Tensor>* attention,
                                     std::vector<torch::Tensor>* headOutputs)
{
    const int64_t batch = ids.size(0), seq = ids.size(1);
    const int64_t heads = m_shape.heads, kvHeads = m_shape.kvHeads, d = m_shape.headDim();
    auto x = torch::embedding(m_embed, ids); // [batch, seq, hidden]
    auto causal = torch::full({seq, seq}, -std::numeric_limits<float>::infinity()).triu(1); // [seq, seq]
    for (const Layer& l : m_layers) {
        auto h = rmsNorm(x, l.inputNorm);
        auto q = torch::matmul(h, l.q.t()).view({batch, seq, heads, d}).transpose(1, 2);   // [b, H, s, d]
        auto k = torch::matmul(h, l.k.t()).view({batch, seq, kvHeads, d}).transpose(1, 2); // [b, KV, s, d]
        auto v = torch::matmul(h, l.v.t()).view({batch, seq, kvHeads, d}).transpose(1, 2);
        q = applyRope(q);
        k = applyRope(k);
        k = k.repeat_interleave(heads / kvHeads, 1); // [b, H, s, d]
        v = v.repeat_interleave(heads / kvHeads, 1);
        auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(d)) + causal; // [b, H, s, s]
        auto attn = torch::softmax(scores, -1);
        if (attention)
            attention->push_back(attn);
        auto out = torch::matmul(attn, v).transpose(1, 2).reshape({batch, seq, heads * d});
        if (headOutputs)
            headOutputs->push_back(out);
        x = x + torch::matmul(out, l.o.t());
        auto h2 = rmsNorm(x, l.postNorm);
        auto mlp = torch::silu(torch::matmul(h2, l.gate.t())) * torch::matmul(h2, l.up.t());
        x = x + torch::matmul(mlp, l.down.t());
    }
    x = rmsNorm(x, m_finalNorm);
    return torch::matmul(x, m_embed.t()); // [batch, seq, vocab]
}

} // namespace headscope::demo
