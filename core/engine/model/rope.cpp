#include "rope.h"

#include <cmath>
#include <numbers>

namespace headscope::model {

namespace {

// transformers' ROPE_INIT_FUNCTIONS for the supported types; `factors` are longrope's
// per-frequency divisors (empty otherwise).
std::vector<float> frequencies(const RopeParameters& p, int64_t rotaryDim, const std::vector<double>& factors)
{
    const int64_t half = rotaryDim / 2;
    std::vector<float> inv(static_cast<std::size_t>(half));
    for (int64_t i = 0; i < half; ++i) {
        double f = 1.0 / std::pow(p.theta, static_cast<double>(2 * i) / static_cast<double>(rotaryDim));
        if (!factors.empty())
            f /= factors[static_cast<std::size_t>(i)];
        inv[static_cast<std::size_t>(i)] = static_cast<float>(f);
    }
    const RopeScaling& rs = p.scaling;
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
    return inv;
}

// cos and sin of [positions, rotaryDim] angles, × the attention factor.
void buildTable(const at::Tensor& invFreq, int64_t positions, double attentionFactor, at::Tensor& cos, at::Tensor& sin)
{
    auto pos = at::arange(positions, invFreq.options()); // [n]
    auto freqs = at::outer(pos, invFreq);                // [n, rotaryDim/2]
    auto emb = at::cat({freqs, freqs}, -1);              // [n, rotaryDim]
    cos = emb.cos();
    sin = emb.sin();
    if (attentionFactor != 1.0) {
        cos.mul_(attentionFactor);
        sin.mul_(attentionFactor);
    }
}

} // namespace

Rope::Rope(const RopeParameters& p, int64_t headDim, int64_t rotaryDim, const at::Device& device)
    : m_scaling(p.scaling), m_rotaryDim(rotaryDim > 0 ? rotaryDim : headDim)
{
    const bool longrope = p.scaling.type == RopeScalingType::LongRope;
    auto opts = at::TensorOptions().dtype(at::kFloat);
    m_invFreq = at::tensor(frequencies(p, m_rotaryDim, longrope ? p.scaling.shortFactor : std::vector<double>{}), opts)
                    .to(device);
    if (longrope)
        m_invFreqLong = at::tensor(frequencies(p, m_rotaryDim, p.scaling.longFactor), opts).to(device);
}

Rope::Rope(const ModelConfig& c, const at::Device& device)
    : Rope(RopeParameters{c.ropeTheta, c.ropeScaling}, c.headDim, c.rotaryDim(), device)
{
}

bool Rope::usesLongFactors(int64_t sequenceLength) const
{
    return m_scaling.type == RopeScalingType::LongRope && sequenceLength > m_scaling.originalMaxPositionEmbeddings;
}

void Rope::ensureTable(int64_t positions) const
{
    if (m_cos.defined() && m_cos.size(0) >= positions)
        return;
    const int64_t n = std::max<int64_t>(positions, m_cos.defined() ? 2 * m_cos.size(0) : 256);
    const double attention = m_scaling.type == RopeScalingType::LongRope ? m_scaling.attentionFactor : 1.0;
    buildTable(m_invFreq, n, attention, m_cos, m_sin);
    if (m_invFreqLong.defined())
        buildTable(m_invFreqLong, n, attention, m_cosLong, m_sinLong);
}

at::Tensor Rope::apply(const at::Tensor& x, int64_t start, bool longFactors) const
{
    const int64_t n = x.size(1), d = x.size(2), r = m_rotaryDim;
    ensureTable(start + n);
    const bool useLong = longFactors && m_invFreqLong.defined();
    auto cos = (useLong ? m_cosLong : m_cos).narrow(0, start, n).to(x.scalar_type()); // [n, r]
    auto sin = (useLong ? m_sinLong : m_sin).narrow(0, start, n).to(x.scalar_type());
    auto xr = r == d ? x : x.narrow(-1, 0, r);
    auto x1 = xr.narrow(-1, 0, r / 2), x2 = xr.narrow(-1, r / 2, r / 2);
    auto rotated = xr * cos + at::cat({-x2, x1}, -1) * sin;
    return r == d ? rotated : at::cat({rotated, x.narrow(-1, r, d - r)}, -1);
}

} // namespace headscope::model
