#include "rope.h"

#include "cpu_kernels.h"

#include <cmath>
#include <numbers>

namespace headscope::model {

Rope::Rope(const ModelConfig& c, const at::Device& device)
{
    const int64_t half = c.headDim / 2;
    std::vector<float> inv(static_cast<std::size_t>(half));
    for (int64_t i = 0; i < half; ++i)
        inv[static_cast<std::size_t>(i)] =
            static_cast<float>(1.0 / std::pow(c.ropeTheta, static_cast<double>(2 * i) / static_cast<double>(c.headDim)));
    const RopeScaling& rs = c.ropeScaling;
    if (rs.type == RopeScalingType::Linear) {
        for (float& f : inv)
            f = static_cast<float>(f / rs.factor);
    } else if (rs.type == RopeScalingType::Llama3) {
        // Long wavelengths are slowed by `factor`, short ones kept, the band between blended
        // (transformers' _compute_llama3_parameters).
        const double oldContext = static_cast<double>(rs.originalMaxPositionEmbeddings);
        const double lowWavelen = oldContext / rs.lowFreqFactor;
        const double highWavelen = oldContext / rs.highFreqFactor;
        for (float& f : inv) {
            const double wavelen = 2.0 * std::numbers::pi / f;
            if (wavelen > lowWavelen) {
                f = static_cast<float>(f / rs.factor);
            } else if (wavelen >= highWavelen) {
                const double smooth = (oldContext / wavelen - rs.lowFreqFactor) / (rs.highFreqFactor - rs.lowFreqFactor);
                f = static_cast<float>((1.0 - smooth) * f / rs.factor + smooth * f);
            }
        }
    }
    m_invFreq = at::tensor(inv, at::TensorOptions().dtype(at::kFloat)).to(device);
}

void Rope::ensureTable(int64_t positions) const
{
    if (m_cos.defined() && m_cos.size(0) >= positions)
        return;
    const int64_t n = std::max<int64_t>(positions, m_cos.defined() ? 2 * m_cos.size(0) : 256);
    auto pos = at::arange(n, m_invFreq.options());       // [n]
    auto freqs = at::outer(pos, m_invFreq);              // [n, head_dim/2]
    m_cosHalf = freqs.cos();
    m_sinHalf = freqs.sin();
    m_cos = at::cat({m_cosHalf, m_cosHalf}, -1);         // [n, head_dim]
    m_sin = at::cat({m_sinHalf, m_sinHalf}, -1);
}

at::Tensor Rope::apply(const at::Tensor& x, int64_t start) const
{
    const int64_t n = x.size(1), d = x.size(2);
    ensureTable(start + n);
    auto cos = m_cos.narrow(0, start, n).to(x.scalar_type()); // [n, d]
    auto sin = m_sin.narrow(0, start, n).to(x.scalar_type());
    auto x1 = x.narrow(-1, 0, d / 2), x2 = x.narrow(-1, d / 2, d / 2);
    auto rotated = at::cat({-x2, x1}, -1);
    return x * cos + rotated * sin;
}

at::Tensor Rope::applyToHeads(const at::Tensor& x, int64_t heads, int64_t start) const
{
    const int64_t n = x.size(0), d = x.size(1) / heads;
    ensureTable(start + n);
    at::Tensor fused = cpu::rotaryToHeads(x, heads, start, m_cosHalf, m_sinHalf);
    return fused.defined() ? fused : apply(x.view({n, heads, d}).transpose(0, 1), start);
}

} // namespace headscope::model
