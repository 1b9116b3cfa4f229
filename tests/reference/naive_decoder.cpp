#include "naive_decoder.h"

#include <cmath>
#include <cstring>
#include <numbers>

namespace headscope::reference {

namespace {

using Matrix = std::vector<std::vector<double>>; // [rows][cols]

std::vector<double> read(const Checkpoint& cp, const std::string& name)
{
    if (name.empty())
        return {};
    const TensorView& t = cp.tensor(name);
    std::vector<double> out(static_cast<std::size_t>(t.numel()));
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (t.dtype == ElementType::F32) {
            float f;
            std::memcpy(&f, t.data + 4 * i, 4);
            out[i] = f;
        } else { // BF16: the upper half of a float32
            uint16_t h;
            std::memcpy(&h, t.data + 2 * i, 2);
            const uint32_t bits = static_cast<uint32_t>(h) << 16;
            float f;
            std::memcpy(&f, &bits, 4);
            out[i] = f;
        }
    }
    return out;
}

// Rows [first, first + count) of a [rows, cols] matrix stored row-major.
std::vector<double> rowSlice(const std::vector<double>& m, std::size_t cols, std::size_t first, std::size_t count)
{
    return std::vector<double>(m.begin() + static_cast<std::ptrdiff_t>(first * cols),
                               m.begin() + static_cast<std::ptrdiff_t>((first + count) * cols));
}

// y = W x (+ b), W stored [out, in].
std::vector<double> linear(const std::vector<double>& w, const std::vector<double>& b, const std::vector<double>& x,
                           std::size_t out)
{
    const std::size_t in = x.size();
    std::vector<double> y(out, 0.0);
    for (std::size_t o = 0; o < out; ++o) {
        double acc = b.empty() ? 0.0 : b[o];
        for (std::size_t i = 0; i < in; ++i)
            acc += w[o * in + i] * x[i];
        y[o] = acc;
    }
    return y;
}

// LlamaRMSNorm: w · x / rms(x); Gemma2RMSNorm / Gemma3RMSNorm: (1 + w) · x / rms(x).
void rmsNormInPlace(double* x, std::size_t n, const std::vector<double>& w, double eps, bool offset)
{
    double ms = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        ms += x[i] * x[i];
    ms /= static_cast<double>(n);
    const double inv = 1.0 / std::sqrt(ms + eps);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = x[i] * inv * (offset ? 1.0 + w[i] : w[i]);
}

std::vector<double> rmsNorm(std::vector<double> x, const std::vector<double>& w, double eps, bool offset)
{
    rmsNormInPlace(x.data(), x.size(), w, eps, offset);
    return x;
}

struct RopeTable {
    std::vector<double> inv; // [rotary / 2]
    double attention = 1.0;  // longrope's cos/sin multiplier
};

// transformers' ROPE_INIT_FUNCTIONS (default, linear, llama3, longrope), in float64.
RopeTable ropeTable(const RopeParameters& p, std::size_t rotary, bool useLong)
{
    RopeTable t;
    t.inv.resize(rotary / 2);
    const RopeScaling& s = p.scaling;
    for (std::size_t i = 0; i < t.inv.size(); ++i) {
        double f = 1.0 / std::pow(p.theta, 2.0 * static_cast<double>(i) / static_cast<double>(rotary));
        const std::vector<double>& factors = useLong ? s.longFactor : s.shortFactor;
        if (s.type == RopeScalingType::LongRope && i < factors.size()) // past the list: Mistake::FullRotary
            f /= factors[i];
        t.inv[i] = f;
    }
    for (double& f : t.inv) {
        if (s.type == RopeScalingType::Linear) {
            f /= s.factor;
        } else if (s.type == RopeScalingType::Llama3) {
            const double wavelen = 2.0 * std::numbers::pi / f;
            const double old = static_cast<double>(s.originalMaxPositionEmbeddings);
            if (wavelen > old / s.lowFreqFactor) {
                f /= s.factor;
            } else if (wavelen >= old / s.highFreqFactor) {
                const double smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
                f = (1.0 - smooth) * f / s.factor + smooth * f;
            }
        }
    }
    if (s.type == RopeScalingType::LongRope) {
        // _compute_longrope_parameters' default attention factor, from max / original.
        const double factor = s.factor;
        t.attention = factor <= 1.0 ? 1.0
                                    : std::sqrt(1.0 + std::log(factor) /
                                                          std::log(static_cast<double>(s.originalMaxPositionEmbeddings)));
    }
    return t;
}

// rotate_half RoPE on the first `rotary` dims of one head vector at `pos`; the rest pass.
void rope(double* v, std::size_t rotary, const RopeTable& t, double pos)
{
    std::vector<double> out(rotary);
    const std::size_t h = rotary / 2;
    for (std::size_t i = 0; i < h; ++i) {
        const double a = pos * t.inv[i], c = std::cos(a) * t.attention, s = std::sin(a) * t.attention;
        out[i] = v[i] * c - v[i + h] * s;
        out[i + h] = v[i + h] * c + v[i] * s;
    }
    std::memcpy(v, out.data(), rotary * sizeof(double));
}

double softcap(double x, std::optional<double> cap)
{
    return cap ? std::tanh(x / *cap) * *cap : x;
}

double activation(double g, Activation a)
{
    if (a == Activation::GeluTanh) // gelu_pytorch_tanh
        return 0.5 * g * (1.0 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * (g + 0.044715 * g * g * g)));
    return g / (1.0 + std::exp(-g)); // silu
}

} // namespace

NaiveOutput naiveForward(const Checkpoint& cp, const std::vector<int32_t>& ids, int rowQuery, Mistake mistake,
                         bool keepKeys)
{
    const ModelConfig& c = cp.config();
    const TensorNames names = tensorNamesFor(c);
    const std::size_t n = ids.size(), h = static_cast<std::size_t>(c.hiddenSize), d = static_cast<std::size_t>(c.headDim);
    const std::size_t H = static_cast<std::size_t>(c.numHeads), KV = static_cast<std::size_t>(c.numKvHeads), G = H / KV;
    const std::size_t I = static_cast<std::size_t>(c.intermediateSize), V = static_cast<std::size_t>(c.vocabSize);
    const bool offset = c.normStyle == NormStyle::OffsetWeight && mistake != Mistake::PlainNorm;
    const std::size_t rotary =
        mistake == Mistake::FullRotary ? d : static_cast<std::size_t>(static_cast<double>(d) * c.partialRotaryFactor);
    // The sequence of this forward pass decides longrope's table (longrope_frequency_update).
    const bool useLong = c.ropeScaling.type == RopeScalingType::LongRope && mistake != Mistake::ShortFactorsOnly &&
                         static_cast<int64_t>(n) > c.ropeScaling.originalMaxPositionEmbeddings;
    const double scale = 1.0 / std::sqrt(c.queryPreAttnScalar && mistake != Mistake::HeadDimScale
                                             ? *c.queryPreAttnScalar
                                             : static_cast<double>(d));
    const std::optional<double> attnCap = mistake == Mistake::NoAttnSoftcap ? std::nullopt : c.attnLogitSoftcap;
    const std::optional<double> finalCap = mistake == Mistake::NoFinalSoftcap ? std::nullopt : c.finalLogitSoftcap;
    const std::vector<double> embed = read(cp, names.embedTokens);

    Matrix x(n, std::vector<double>(h));
    for (std::size_t t = 0; t < n; ++t)
        for (std::size_t i = 0; i < h; ++i)
            x[t][i] = embed[static_cast<std::size_t>(ids[t]) * h + i] * c.embeddingMultiplier;

    NaiveOutput result;
    for (std::size_t li = 0; li < names.layers.size(); ++li) {
        const LayerTensorNames& ln = names.layers[li];
        // Sliding layers: the window and (Gemma 3) their own unscaled RoPE base.
        const bool sliding = c.layerTypes.size() > li && c.layerTypes[li] == LayerType::Sliding && c.slidingWindow;
        const int64_t window = sliding && mistake != Mistake::NoSlidingWindow ? *c.slidingWindow : 0;
        RopeParameters rp{c.ropeTheta, c.ropeScaling};
        if (sliding && c.localRopeTheta && mistake != Mistake::GlobalRopeOnLocal)
            rp = RopeParameters{*c.localRopeTheta, RopeScaling{}};
        const RopeTable table = ropeTable(rp, rotary, useLong);

        std::vector<double> wq, wk, wv;
        if (!ln.qkvProj.empty()) { // Phi-3: rows [q | k | v]
            const auto qkv = read(cp, ln.qkvProj);
            wq = rowSlice(qkv, h, 0, H * d);
            const std::size_t second = H * d, third = H * d + KV * d;
            wk = rowSlice(qkv, h, mistake == Mistake::SwappedKvSplit ? third : second, KV * d);
            wv = rowSlice(qkv, h, mistake == Mistake::SwappedKvSplit ? second : third, KV * d);
        } else {
            wq = read(cp, ln.qProj);
            wk = read(cp, ln.kProj);
            wv = read(cp, ln.vProj);
        }
        std::vector<double> wg, wu;
        if (!ln.gateUpProj.empty()) { // Phi-3: rows [gate | up]
            const auto gu = read(cp, ln.gateUpProj);
            wg = rowSlice(gu, h, 0, I);
            wu = rowSlice(gu, h, I, I);
        } else {
            wg = read(cp, ln.gateProj);
            wu = read(cp, ln.upProj);
        }
        const auto wIn = read(cp, ln.inputNorm), wo = read(cp, ln.oProj), wd = read(cp, ln.downProj);
        const auto wMlpIn = read(cp, ln.mlpInputNorm), wAttnOut = read(cp, ln.attnOutNorm), wMlpOut = read(cp, ln.mlpOutNorm);
        const auto bq = read(cp, ln.qBias), bk = read(cp, ln.kBias), bv = read(cp, ln.vBias);
        const bool qkNorm = !ln.qNorm.empty() && mistake != Mistake::NoQkNorm;
        const auto wqn = read(cp, ln.qNorm), wkn = read(cp, ln.kNorm);

        Matrix q(n), k(n), v(n);
        for (std::size_t t = 0; t < n; ++t) {
            const auto hn = rmsNorm(x[t], wIn, c.rmsNormEps, offset);
            q[t] = linear(wq, bq, hn, H * d);
            k[t] = linear(wk, bk, hn, KV * d);
            v[t] = linear(wv, bv, hn, KV * d);
            for (std::size_t hh = 0; hh < H; ++hh) {
                if (qkNorm)
                    rmsNormInPlace(&q[t][hh * d], d, wqn, c.rmsNormEps, offset);
                rope(&q[t][hh * d], rotary, table, static_cast<double>(t));
            }
            for (std::size_t kh = 0; kh < KV; ++kh) {
                if (qkNorm)
                    rmsNormInPlace(&k[t][kh * d], d, wkn, c.rmsNormEps, offset);
                rope(&k[t][kh * d], rotary, table, static_cast<double>(t));
            }
        }
        if (keepKeys) {
            std::vector<std::vector<std::vector<double>>> layerKeys(KV);
            for (std::size_t kh = 0; kh < KV; ++kh)
                for (std::size_t t = 0; t < n; ++t)
                    layerKeys[kh].emplace_back(k[t].begin() + static_cast<std::ptrdiff_t>(kh * d),
                                               k[t].begin() + static_cast<std::ptrdiff_t>((kh + 1) * d));
            result.keys.push_back(std::move(layerKeys));
        }
        std::vector<std::vector<double>> layerRows;
        for (std::size_t t = 0; t < n; ++t) {
            std::vector<double> attn(H * d, 0.0);
            for (std::size_t hh = 0; hh < H; ++hh) {
                const std::size_t kh = hh / G; // repeat_kv: query head hh reads KV head hh / G
                std::vector<double> p(t + 1, 0.0);
                std::vector<bool> visible(t + 1);
                double mx = -1e300;
                for (std::size_t j = 0; j <= t; ++j) {
                    visible[j] = window == 0 || static_cast<int64_t>(t - j) < window;
                    double s = 0.0;
                    for (std::size_t e = 0; e < d; ++e)
                        s += q[t][hh * d + e] * k[j][kh * d + e];
                    p[j] = softcap(s * scale, attnCap); // soft-cap, then the mask
                    if (visible[j])
                        mx = std::max(mx, p[j]);
                }
                double z = 0.0;
                for (std::size_t j = 0; j <= t; ++j) {
                    p[j] = visible[j] ? std::exp(p[j] - mx) : 0.0;
                    z += p[j];
                }
                for (double& e : p)
                    e /= z;
                for (std::size_t j = 0; j <= t; ++j)
                    for (std::size_t e = 0; e < d; ++e)
                        attn[hh * d + e] += p[j] * v[j][kh * d + e];
                if (static_cast<int>(t) == rowQuery)
                    layerRows.push_back(p);
            }
            auto o = linear(wo, {}, attn, h);
            if (!wAttnOut.empty())
                o = rmsNorm(o, wAttnOut, c.rmsNormEps, offset);
            for (std::size_t i = 0; i < h; ++i)
                x[t][i] += o[i];
            const auto hn = rmsNorm(x[t], wMlpIn, c.rmsNormEps, offset);
            const auto g = linear(wg, {}, hn, I), u = linear(wu, {}, hn, I);
            std::vector<double> act(I);
            for (std::size_t i = 0; i < I; ++i)
                act[i] = activation(g[i], c.activation) * u[i];
            auto down = linear(wd, {}, act, h);
            if (!wMlpOut.empty())
                down = rmsNorm(down, wMlpOut, c.rmsNormEps, offset);
            for (std::size_t i = 0; i < h; ++i)
                x[t][i] += down[i];
        }
        if (rowQuery >= 0)
            result.rows.push_back(std::move(layerRows));
    }
    const auto wNorm = read(cp, names.finalNorm);
    const auto head = names.lmHead.empty() ? embed : read(cp, names.lmHead);
    for (std::size_t t = 0; t < n; ++t) {
        auto logits = linear(head, {}, rmsNorm(x[t], wNorm, c.rmsNormEps, offset), V);
        for (double& l : logits)
            l = softcap(l, finalCap);
        result.logits.push_back(std::move(logits));
    }
    return result;
}

} // namespace headscope::reference
