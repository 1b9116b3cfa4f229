// The fused CPU kernels (core/engine/model/cpu_*.cpp) against float64 computations on the same
// (dtype-rounded) inputs: decode attention and its rows, the scored row, flash prefill in bf16
// (on CPUs with AVX512-BF16), RMSNorm, rotary embedding, SwiGLU and the one-row Linear (each of
// its AVX-512, AVX2 and portable kernels) — every head_dim, group size, sliding window, tail
// length and alignment the decoder can hand them. Also checks the ATen fallback (kernels
// disabled) gives the same answers, runs the portable loops used on CPUs without AVX-512, so
// every path stays interchangeable, and the chunk pool the decode kernels share out work with.
#include "model/attention.h"
#include "model/cpu_attention.h"
#include "model/cpu_kernels.h"
#include "model/cpu_pool.h"
#include "model/simd_avx512.h"

#include <ATen/Parallel.h>

#include <QTest>

#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

using namespace headscope::model;

namespace {

// out[i] = 2^in[i] by the kernel's exp2NonPositive; n a multiple of 16.
HS_AVX512 void evalExp2(const float* in, float* out, std::size_t n)
{
    for (std::size_t i = 0; i < n; i += 16)
        _mm512_storeu_ps(out + i, simd::exp2NonPositive(_mm512_loadu_ps(in + i)));
}

// float64 attention of queries q [H, n, d] at positions [start, start + n) over k, v [KV, T, d].
// Returns out [H, n, d] and, for each query, the probabilities [H, n, T].
struct Reference {
    std::vector<double> out, probs;
};

Reference referenceAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                             double scale, int64_t window)
{
    const auto qd = q.to(at::kDouble).contiguous(), kd = k.to(at::kDouble).contiguous(), vd = v.to(at::kDouble).contiguous();
    const int64_t H = q.size(0), n = q.size(1), d = q.size(2), KV = k.size(0), T = k.size(1), G = H / KV;
    const double* qp = qd.data_ptr<double>();
    const double* kp = kd.data_ptr<double>();
    const double* vp = vd.data_ptr<double>();
    Reference r;
    r.out.assign(static_cast<std::size_t>(H * n * d), 0.0);
    r.probs.assign(static_cast<std::size_t>(H * n * T), 0.0);
    for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < n; ++i) {
            const int64_t pos = start + i, kh = h / G;
            std::vector<double> s(static_cast<std::size_t>(T), -std::numeric_limits<double>::infinity());
            double mx = -std::numeric_limits<double>::infinity();
            for (int64_t t = 0; t <= pos && t < T; ++t) {
                if (window > 0 && pos - t >= window)
                    continue;
                double dot = 0;
                for (int64_t c = 0; c < d; ++c)
                    dot += qp[(h * n + i) * d + c] * kp[(kh * T + t) * d + c];
                s[static_cast<std::size_t>(t)] = dot * scale;
                mx = std::max(mx, dot * scale);
            }
            double sum = 0;
            for (double& x : s) {
                x = std::isinf(x) ? 0.0 : std::exp(x - mx);
                sum += x;
            }
            for (int64_t t = 0; t < T; ++t) {
                const double p = s[static_cast<std::size_t>(t)] / sum;
                r.probs[static_cast<std::size_t>((h * n + i) * T + t)] = p;
                for (int64_t c = 0; c < d; ++c)
                    r.out[static_cast<std::size_t>((h * n + i) * d + c)] += p * vp[(kh * T + t) * d + c];
            }
        }
    return r;
}

double maxAbsDiff(const at::Tensor& got, const std::vector<double>& want)
{
    const auto g = got.to(at::kDouble).contiguous();
    double m = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        m = std::max(m, std::abs(g.data_ptr<double>()[i] - want[i]));
    return m;
}

// K/V as the cache holds them: views of [KV, capacity, d] buffers with room after T.
std::pair<at::Tensor, at::Tensor> cacheViews(int64_t kv, int64_t t, int64_t d, at::ScalarType dtype)
{
    auto k = at::randn({kv, t + 7, d}).to(dtype), v = at::randn({kv, t + 7, d}).to(dtype);
    return {k.narrow(1, 0, t), v.narrow(1, 0, t)};
}

} // namespace

class TestCpuKernels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        cpu::setSimdForTesting(true);
        at::manual_seed(7);
    }

    void cleanup()
    {
        cpu::setSimdForTesting(true);
        cpu::setRowKernelForTesting(cpu::RowKernel::Auto);
    }

    void decodeAttention_data()
    {
        QTest::addColumn<bool>("bf16");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("kvHeads");
        QTest::addColumn<int>("d");
        QTest::addColumn<int>("keys");
        QTest::addColumn<int>("window");
        for (bool bf16 : {false, true}) {
            const char* t = bf16 ? "bf16" : "f32";
            QTest::addRow("%s gqa d64 T1", t) << bf16 << 8 << 2 << 64 << 1 << 0;
            QTest::addRow("%s gqa d64 T300", t) << bf16 << 8 << 2 << 64 << 300 << 0;
            QTest::addRow("%s mha d128 T33", t) << bf16 << 4 << 4 << 128 << 33 << 0;
            QTest::addRow("%s g3 d80 T47", t) << bf16 << 6 << 2 << 80 << 47 << 0;
            QTest::addRow("%s mqa d16 T20 window 5", t) << bf16 << 8 << 1 << 16 << 20 << 5;
            QTest::addRow("%s g8 d256 T70", t) << bf16 << 8 << 1 << 256 << 70 << 0;
        }
    }

    // Rows and outputs within float32 rounding of the float64 answer on the same inputs, in
    // both dtypes (the scores, softmax and sums are float32 whatever K/V's dtype).
    void decodeAttention()
    {
        QFETCH(bool, bf16);
        QFETCH(int, heads);
        QFETCH(int, kvHeads);
        QFETCH(int, d);
        QFETCH(int, keys);
        QFETCH(int, window);
        if (!simd::cpuHasAvx512())
            QSKIP("the fused decode kernel needs AVX-512; the ATen path is tested by the decoder tests");
        const auto dtype = bf16 ? at::kBFloat16 : at::kFloat;
        auto [k, v] = cacheViews(kvHeads, keys, d, dtype);
        auto q = at::randn({heads, d}).to(dtype);
        const AttentionParams params{1.0 / std::sqrt(static_cast<double>(d)), window};
        at::Tensor rows;
        const at::Tensor out = cpu::decodeAttention(q, k, v, params, &rows);
        QVERIFY(out.defined());
        QCOMPARE(out.scalar_type(), dtype);
        const Reference ref = referenceAttention(q.unsqueeze(1), k, v, keys - 1, params.scale, window);
        const double rowErr = maxAbsDiff(rows, ref.probs), outErr = maxAbsDiff(out.to(at::kFloat), ref.out);
        qInfo("rows %.2g, out %.2g", rowErr, outErr);
        QVERIFY2(rowErr < 1e-5, qPrintable(QString::number(rowErr)));
        // bf16 output: one rounding of values of magnitude ≤ ~3 (2^-8 relative).
        QVERIFY2(outErr < (bf16 ? 2e-2 : 1e-5), qPrintable(QString::number(outErr)));

        // The scored-row entry point gives the same rows.
        const at::Tensor row = cpu::attentionRow(q, k, keys - 1, params);
        QVERIFY(at::equal(row, rows));
        // And the ATen fallback agrees (its bf16 path rounds scores to bf16: a looser bound).
        cpu::setSimdForTesting(false);
        at::Tensor atenRows;
        const at::Tensor aten = headscope::model::decodeAttention(q, k, v, params, &atenRows);
        QVERIFY2(maxAbsDiff(atenRows, ref.probs) < (bf16 ? 3e-2 : 1e-5), "ATen rows");
        QVERIFY2(maxAbsDiff(aten.to(at::kFloat), ref.out) < (bf16 ? 5e-2 : 1e-5), "ATen out");
    }

    void prefillAttention_data()
    {
        QTest::addColumn<bool>("bf16");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("kvHeads");
        QTest::addColumn<int>("d");
        QTest::addColumn<int>("start");
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("window");
        for (bool bf16 : {false, true}) {
            const char* t = bf16 ? "bf16" : "f32";
            QTest::addRow("%s gqa d64 whole prompt", t) << bf16 << 8 << 2 << 64 << 0 << 77 << 0;
            QTest::addRow("%s gqa d64 second chunk", t) << bf16 << 8 << 2 << 64 << 40 << 50 << 0;
            QTest::addRow("%s mha d128 one query", t) << bf16 << 4 << 4 << 128 << 9 << 1 << 0;
            QTest::addRow("%s g3 d96 odd rows", t) << bf16 << 6 << 2 << 96 << 5 << 19 << 0;
            QTest::addRow("%s mqa d16 window 7", t) << bf16 << 8 << 1 << 16 << 10 << 45 << 7;
            QTest::addRow("%s g4 d64 window 40 long", t) << bf16 << 8 << 2 << 64 << 100 << 130 << 40;
            // Five 16-column chunks: P·V's pair of chunks and a single one; tiles of a unit ending at
            // different keys with a window whose far edge cuts blocks.
            QTest::addRow("%s g2 d80 window 33", t) << bf16 << 4 << 2 << 80 << 31 << 45 << 33;
            // Hundreds of key blocks: running maxima that grow late, sums over many blocks.
            QTest::addRow("%s g4 d64 700 keys", t) << bf16 << 8 << 2 << 64 << 640 << 60 << 0;
        }
    }

    // float32 accumulation: f32 outputs within float32 rounding of the float64 answer, bf16
    // ones within bf16 rounding.
    void prefillAttention()
    {
        QFETCH(bool, bf16);
        QFETCH(int, heads);
        QFETCH(int, kvHeads);
        QFETCH(int, d);
        QFETCH(int, start);
        QFETCH(int, n);
        QFETCH(int, window);
        if (bf16 ? !simd::cpuHasAvx512Bf16() : !simd::cpuHasAvx512())
            QSKIP("the flash prefill kernel needs AVX-512 (AVX512-BF16 for bf16)");
        const auto dtype = bf16 ? at::kBFloat16 : at::kFloat;
        auto [k, v] = cacheViews(kvHeads, start + n, d, dtype);
        auto q = (at::randn({heads, n, d}) * 2).to(dtype);
        const AttentionParams params{1.0 / std::sqrt(static_cast<double>(d)), window};
        const at::Tensor out = cpu::prefillAttention(q, k, v, start, params);
        QVERIFY(out.defined());
        const Reference ref = referenceAttention(q, k, v, start, params.scale, window);
        const double err = maxAbsDiff(out.to(at::kFloat), ref.out);
        qInfo("out %.2g", err);
        // bf16: P is rounded to bf16 before P·V (2^-9 relative per weight), the output once more.
        QVERIFY2(err < (bf16 ? 2e-2 : 1e-5), qPrintable(QString::number(err)));
        // The blocked entry point uses it, and the ATen fallback stays within its own bound.
        QVERIFY(at::equal(blockedAttention(q, k, v, start, 16, params), out));
        cpu::setSimdForTesting(false);
        const double aten = maxAbsDiff(blockedAttention(q, k, v, start, 16, params).to(at::kFloat), ref.out);
        QVERIFY2(aten < (bf16 ? 5e-2 : 1e-5), qPrintable(QString::number(aten)));
    }

    // The bf16 prefill's 2^x (x ≤ 0) against std::exp2 in double: within 4e-6 relative on
    // [-100, 0] (every representable step near 0, then a sweep), 2^-100 below, at most 1 at 0.
    void exp2NonPositive()
    {
        if (!simd::cpuHasAvx512())
            QSKIP("needs AVX-512");
        std::vector<float> xs;
        for (float x = 0.0f; x > -1.0f; x = std::nextafter(x, -2.0f) - 1e-7f)
            xs.push_back(x);
        for (double x = -1.0; x >= -100.0; x -= 0.000731)
            xs.push_back(static_cast<float>(x));
        xs.push_back(-100.0f);
        while (xs.size() % 16 != 0)
            xs.push_back(-0.5f);
        std::vector<float> ys(xs.size());
        evalExp2(xs.data(), ys.data(), xs.size());
        double worst = 0.0;
        for (std::size_t i = 0; i < xs.size(); ++i) {
            const double want = std::exp2(static_cast<double>(xs[i]));
            worst = std::max(worst, std::abs(ys[i] - want) / want);
        }
        qInfo("worst relative error %.2g over %zu inputs", worst, xs.size());
        QVERIFY2(worst < 4e-6, qPrintable(QString::number(worst)));
        const float below[16] = {-101.0f, -150.0f, -1e30f, -std::numeric_limits<float>::infinity(),
                                 -100.5f, -127.0f, -1000.0f, -200.0f, -101.0f, -150.0f, -1e30f, -1e10f,
                                 -100.5f, -127.0f, -1000.0f, -200.0f};
        float out[16];
        evalExp2(below, out, 16);
        for (float y : out)
            QCOMPARE(y, std::exp2(-100.0f));
    }

    // The engine's kernels share out rows with at::parallel_for, which runs in parallel only in
    // code compiled with OpenMP (LibTorch's CPU backend): built without it, every such loop ran
    // on one thread, and the flash prefill took as long on 2 cores as on 1.
    void parallelForUsesThreads()
    {
        const int saved = at::get_num_threads();
        at::set_num_threads(2);
        const int used = cpu::parallelForThreads(64);
        at::set_num_threads(saved);
        QCOMPARE(used, 2);
    }

    void elementwise_data()
    {
        QTest::addColumn<bool>("bf16");
        QTest::addColumn<bool>("simd");
        for (bool simd : {true, false}) {
            QTest::addRow("f32 %s", simd ? "avx512" : "portable") << false << simd;
            QTest::addRow("bf16 %s", simd ? "avx512" : "portable") << true << simd;
        }
    }

    // RMSNorm, rotary embedding and SwiGLU against their ATen expressions computed in float64
    // from the same inputs and rounded once to the dtype: at most one rounding step apart.
    void elementwise()
    {
        QFETCH(bool, bf16);
        QFETCH(bool, simd);
        cpu::setSimdForTesting(simd);
        const auto dtype = bf16 ? at::kBFloat16 : at::kFloat;
        const double tol = bf16 ? 1.0 / 128 : 1e-5; // relative: one bf16 ulp / float32 noise
        auto close = [&](const at::Tensor& got, const at::Tensor& want) {
            const auto g = got.to(at::kDouble), w = want.to(at::kDouble);
            return ((g - w).abs() <= w.abs() * tol + 1e-6).all().item<bool>();
        };
        // 3 rows of 70 columns: a vector tail on every row; rows at a stride (a narrowed view).
        auto xFull = at::randn({3, 90}).to(dtype);
        auto x = xFull.narrow(1, 0, 70);
        auto w = (at::randn({70}) * 0.1 + 1).to(dtype);
        const at::Tensor norm = cpu::rmsNorm(x, w, 1e-5);
        QVERIFY(norm.defined());
        const auto xd = x.to(at::kDouble);
        const auto normed = (xd * at::rsqrt(xd.pow(2).mean(-1, true) + 1e-5)).to(dtype).to(at::kDouble);
        QVERIFY(close(norm, w.to(at::kDouble) * normed));

        const int64_t heads = 3, dHead = 36, start = 5, n = 3;
        auto proj = at::randn({n, heads * dHead}).to(dtype);
        auto freqs = at::outer(at::arange(start + n, at::kFloat), at::randn({dHead / 2}).abs());
        const at::Tensor rot = cpu::rotaryToHeads(proj, heads, start, freqs.cos(), freqs.sin());
        QVERIFY(rot.defined());
        QCOMPARE(rot.sizes(), (at::IntArrayRef{heads, n, dHead}));
        const auto p = proj.to(at::kDouble).view({n, heads, dHead}).transpose(0, 1);
        const auto cs = freqs.narrow(0, start, n).to(at::kDouble);
        const auto cos = at::cat({cs.cos(), cs.cos()}, -1), sin = at::cat({cs.sin(), cs.sin()}, -1);
        const auto rotated = at::cat({-p.narrow(-1, dHead / 2, dHead / 2), p.narrow(-1, 0, dHead / 2)}, -1);
        QVERIFY(close(rot, p * cos + rotated * sin));

        auto gate = at::randn({4, 50}).to(dtype), up = at::randn({4, 50}).to(dtype);
        const at::Tensor act = cpu::swiglu(gate, up);
        QVERIFY(act.defined());
        QVERIFY(close(act, at::silu(gate.to(at::kDouble)) * up.to(at::kDouble)));
    }

    void linearRow_data()
    {
        QTest::addColumn<bool>("bf16");
        QTest::addColumn<int>("kernel");
        const std::pair<cpu::RowKernel, const char*> kernels[] = {
            {cpu::RowKernel::Avx512, "avx512"}, {cpu::RowKernel::Avx2, "avx2"}, {cpu::RowKernel::Portable, "portable"}};
        for (const auto& [kernel, name] : kernels) {
            QTest::addRow("f32 %s", name) << false << static_cast<int>(kernel);
            QTest::addRow("bf16 %s", name) << true << static_cast<int>(kernel);
        }
    }

    // One row through a Linear layer (decode), each kernel forced: float32 accumulation of
    // exact products and one rounding at the end, against float64 on the same inputs — for odd
    // and tail widths (the AVX-512 loops take 64 or 128 at a time, the others 16), rows at a
    // stride, and row starts at every offset from a cache line (the kernels align their loads).
    void linearRow()
    {
        QFETCH(bool, bf16);
        QFETCH(int, kernel);
        const auto which = static_cast<cpu::RowKernel>(kernel);
        if (!cpu::rowKernelAvailable(which, bf16))
            QSKIP("this CPU lacks the instructions of this kernel");
        cpu::setRowKernelForTesting(which);
        const auto dtype = bf16 ? at::kBFloat16 : at::kFloat;
        double worst = 0;
        for (int64_t out : {1, 16, 37, 300})
            for (int64_t in : {1, 7, 31, 33, 64, 70, 127, 129, 2047, 2048})
                for (int64_t shift : {0, 1, 5, 24}) {
                    // rows at a stride, starting `shift` elements into the buffer; the stride
                    // a whole number of cache lines (every row equally misaligned: x is
                    // copied to match) or not
                    const int64_t width = shift == 0 || shift == 5 ? in + 41 : (in + 40 + 31) / 32 * 32;
                    auto w = at::randn({out, width}).to(dtype).narrow(1, shift, in);
                    auto x = at::randn({1, in}).to(dtype), b = at::randn({out}).to(dtype);
                    const at::Tensor y = cpu::linearRow(x, w, b);
                    QVERIFY(y.defined());
                    QCOMPARE(y.scalar_type(), dtype);
                    const auto wd = w.to(at::kDouble), xd = x.to(at::kDouble);
                    const auto want = at::linear(xd, wd, b.to(at::kDouble));  // [1, out]
                    const auto scale = at::linear(xd.abs(), wd.abs()) + 1e-30; // sum |w x| per row
                    // float32 sums of `in` products: rounding grows like sqrt(in) ulps of the
                    // magnitudes summed; bf16 output adds one rounding (half an ulp, <= 2^-8).
                    const auto sums = scale * (1e-6 * std::sqrt(static_cast<double>(in)));
                    const auto bound = sums + (want.abs() + sums) * (bf16 ? 1.0 / 256 : 1e-7);
                    const auto err = (y.to(at::kDouble) - want).abs();
                    QVERIFY2((err <= bound).all().item<bool>(),
                             qPrintable(QStringLiteral("%1x%2 shift %3: error %4 (bound there %5)")
                                            .arg(out).arg(in).arg(shift)
                                            .arg((err - bound).max().item<double>())
                                            .arg(bound.flatten()[(err - bound).argmax()].item<double>())));
                    worst = std::max(worst, (err / bound).max().item<double>());
                    QVERIFY(!cpu::linearRow(at::randn({2, in}).to(dtype), w, b).defined()); // one row only
                }
        qInfo("worst error / bound %.3f", worst);
        cpu::setRowKernelForTesting(cpu::RowKernel::Auto);
    }

    // A matrix large enough to be shared among threads gives bit-identical rows whatever the
    // number of threads (each row is one thread's sum), and the same rows as one forced kernel.
    void linearRowThreads()
    {
        const int saved = at::get_num_threads();
        for (auto dtype : {at::kFloat, at::kBFloat16}) {
            auto w = at::randn({1000, 1030}).to(dtype), x = at::randn({1, 1030}).to(dtype); // 2-4 MB of rows
            at::set_num_threads(1);
            const at::Tensor one = cpu::linearRow(x, w, {});
            at::set_num_threads(std::max(2, saved));
            for (int i = 0; i < 20; ++i)
                QVERIFY(at::equal(cpu::linearRow(x, w, {}), one));
        }
        at::set_num_threads(saved);
    }

    // Several layers over one row as one task give each layer's own one-row result exactly
    // (biases or not, each layer at its own alignment), and nothing when a layer cannot be handled.
    void linearRows()
    {
        for (auto dtype : {at::kFloat, at::kBFloat16}) {
            const int64_t in = 300;
            auto q = at::randn({700, in + 8}).to(dtype).narrow(1, 3, in), k = at::randn({90, in}).to(dtype);
            auto v = at::randn({90, in}).to(dtype), qb = at::randn({700}).to(dtype);
            auto x = at::randn({1, in}).to(dtype);
            const at::Tensor none;
            const auto rows = cpu::linearRows(x, {{q, qb}, {k, none}, {v, none}});
            QCOMPARE(rows.size(), std::size_t(3));
            QVERIFY(at::equal(rows[0], cpu::linearRow(x, q, qb)));
            QVERIFY(at::equal(rows[1], cpu::linearRow(x, k, {})));
            QVERIFY(at::equal(rows[2], cpu::linearRow(x, v, {})));
            auto wrongWidth = at::randn({5, in + 1}).to(dtype);
            QVERIFY(cpu::linearRows(x, {{q, qb}, {wrongWidth, none}}).empty());
        }
    }

    // The chunk pool runs every chunk exactly once, job after job, and a call from inside a
    // task (or while another thread holds the pool) runs on the calling thread.
    void chunkPool()
    {
        std::vector<std::atomic<int>> hits(5000);
        for (int job = 0; job < 300; ++job) {
            const int64_t chunks = 1 + (job * 37) % 5000;
            for (int64_t c = 0; c < chunks; ++c)
                hits[static_cast<std::size_t>(c)].store(0);
            cpu::runChunks(chunks, 3, [&](int64_t c) { hits[static_cast<std::size_t>(c)].fetch_add(1); });
            for (int64_t c = 0; c < chunks; ++c)
                QCOMPARE(hits[static_cast<std::size_t>(c)].load(), 1);
        }
        std::atomic<int> inner{0};
        cpu::runChunks(8, 2, [&](int64_t) { cpu::runChunks(4, 2, [&](int64_t) { inner.fetch_add(1); }); });
        QCOMPARE(inner.load(), 32);
    }
};

QTEST_GUILESS_MAIN(TestCpuKernels)
#include "tst_cpu_kernels.moc"
