#include "naive_decoder.h"

#include <cmath>
#include <cstring>
#include <numbers>

namespace headscope::reference {

namespace {

using Matrix = std::vector<std::vector<double>>; // [rows][cols]

std::vector<double> read(const Checkpoint& cp, const std::string& name)
{
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

// y = W x (+ b), W stored [out, in].
std::vector<double> linear(const std::vector<double>& w, const std::vector<double>* b, const std::vector<double>& x,
                           std::size_t out)
{
    const std::size_t in = x.size();
    std::vector<double> y(out, 0.0);
    for (std::size_t o = 0; o < out; ++o) {
        double acc = b ? (*b)[o] : 0.0;
        for (std::size_t i = 0; i < in; ++i)
            acc += w[o * in + i] * x[i];
        y[o] = acc;
    }
    return y;
}

std::vector<double> rmsNorm(const std::vector<double>& x, const std::vector<double>& w, double eps)
{
    double ms = 0.0;
    for (double v : x)
        ms += v * v;
    ms /= static_cast<double>(x.size());
    std::vector<double> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        y[i] = w[i] * x[i] / std::sqrt(ms + eps);
    return y;
}

std::vector<double> inverseFrequencies(const ModelConfig& c)
{
    std::vector<double> inv(static_cast<std::size_t>(c.headDim / 2));
    for (std::size_t i = 0; i < inv.size(); ++i)
        inv[i] = 1.0 / std::pow(c.ropeTheta, 2.0 * static_cast<double>(i) / static_cast<double>(c.headDim));
    const RopeScaling& s = c.ropeScaling;
    for (double& f : inv) {
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
    return inv;
}

// rotate_half RoPE on one head vector at `pos`.
void rope(double* v, std::size_t d, const std::vector<double>& inv, double pos)
{
    std::vector<double> out(d);
    for (std::size_t i = 0; i < d / 2; ++i) {
        const double a = pos * inv[i], c = std::cos(a), s = std::sin(a);
        out[i] = v[i] * c - v[i + d / 2] * s;
        out[i + d / 2] = v[i + d / 2] * c + v[i] * s;
    }
    std::memcpy(v, out.data(), d * sizeof(double));
}

} // namespace

NaiveOutput naiveForward(const Checkpoint& cp, const std::vector<int32_t>& ids, int rowQuery)
{
    const ModelConfig& c = cp.config();
    const TensorNames names = tensorNamesFor(c);
    const std::size_t n = ids.size(), h = static_cast<std::size_t>(c.hiddenSize), d = static_cast<std::size_t>(c.headDim);
    const std::size_t H = static_cast<std::size_t>(c.numHeads), KV = static_cast<std::size_t>(c.numKvHeads), G = H / KV;
    const std::size_t I = static_cast<std::size_t>(c.intermediateSize), V = static_cast<std::size_t>(c.vocabSize);
    const std::vector<double> inv = inverseFrequencies(c);
    const std::vector<double> embed = read(cp, names.embedTokens);

    Matrix x(n, std::vector<double>(h));
    for (std::size_t t = 0; t < n; ++t)
        for (std::size_t i = 0; i < h; ++i)
            x[t][i] = embed[static_cast<std::size_t>(ids[t]) * h + i];

    NaiveOutput result;
    for (const LayerTensorNames& ln : names.layers) {
        const auto wIn = read(cp, ln.inputNorm), wq = read(cp, ln.qProj), wk = read(cp, ln.kProj), wv = read(cp, ln.vProj);
        const auto wo = read(cp, ln.oProj), wPost = read(cp, ln.postAttentionNorm);
        const auto wg = read(cp, ln.gateProj), wu = read(cp, ln.upProj), wd = read(cp, ln.downProj);
        std::vector<double> bq, bk, bv;
        if (!ln.qBias.empty()) {
            bq = read(cp, ln.qBias);
            bk = read(cp, ln.kBias);
            bv = read(cp, ln.vBias);
        }
        Matrix q(n), k(n), v(n);
        for (std::size_t t = 0; t < n; ++t) {
            const auto hn = rmsNorm(x[t], wIn, c.rmsNormEps);
            q[t] = linear(wq, bq.empty() ? nullptr : &bq, hn, H * d);
            k[t] = linear(wk, bk.empty() ? nullptr : &bk, hn, KV * d);
            v[t] = linear(wv, bv.empty() ? nullptr : &bv, hn, KV * d);
            for (std::size_t hh = 0; hh < H; ++hh)
                rope(&q[t][hh * d], d, inv, static_cast<double>(t));
            for (std::size_t kh = 0; kh < KV; ++kh)
                rope(&k[t][kh * d], d, inv, static_cast<double>(t));
        }
        std::vector<std::vector<double>> layerRows;
        for (std::size_t t = 0; t < n; ++t) {
            std::vector<double> attn(H * d, 0.0);
            for (std::size_t hh = 0; hh < H; ++hh) {
                const std::size_t kh = hh / G; // repeat_kv: query head hh reads KV head hh / G
                std::vector<double> p(t + 1, 0.0);
                double mx = -1e300;
                for (std::size_t j = 0; j <= t; ++j) {
                    const bool visible = !c.slidingWindow || static_cast<int64_t>(t - j) < *c.slidingWindow;
                    if (!visible) {
                        p[j] = -1e300;
                        continue;
                    }
                    double s = 0.0;
                    for (std::size_t e = 0; e < d; ++e)
                        s += q[t][hh * d + e] * k[j][kh * d + e];
                    p[j] = s / std::sqrt(static_cast<double>(d));
                    mx = std::max(mx, p[j]);
                }
                double z = 0.0;
                for (double& e : p) {
                    e = e <= -1e299 ? 0.0 : std::exp(e - mx);
                    z += e;
                }
                for (double& e : p)
                    e /= z;
                for (std::size_t j = 0; j <= t; ++j)
                    for (std::size_t e = 0; e < d; ++e)
                        attn[hh * d + e] += p[j] * v[j][kh * d + e];
                if (static_cast<int>(t) == rowQuery)
                    layerRows.push_back(p);
            }
            const auto o = linear(wo, nullptr, attn, h);
            for (std::size_t i = 0; i < h; ++i)
                x[t][i] += o[i];
            const auto hn = rmsNorm(x[t], wPost, c.rmsNormEps);
            const auto g = linear(wg, nullptr, hn, I), u = linear(wu, nullptr, hn, I);
            std::vector<double> act(I);
            for (std::size_t i = 0; i < I; ++i)
                act[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
            const auto down = linear(wd, nullptr, act, h);
            for (std::size_t i = 0; i < h; ++i)
                x[t][i] += down[i];
        }
        if (rowQuery >= 0)
            result.rows.push_back(std::move(layerRows));
    }
    const auto wNorm = read(cp, names.finalNorm);
    const auto head = names.lmHead.empty() ? embed : read(cp, names.lmHead);
    for (std::size_t t = 0; t < n; ++t)
        result.logits.push_back(linear(head, nullptr, rmsNorm(x[t], wNorm, c.rmsNormEps), V));
    return result;
}

} // namespace headscope::reference
