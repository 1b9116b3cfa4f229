// Keys are selected and stored as the model caches them: after q/k norm and (partial, local
// or longrope) RoPE. For each family with such a step, the compressed cache's stored keys at
// its kept positions equal the float64 reference's keys (written from the HF modeling files),
// and the varlen decode kernel soft-caps scores like the dense path.
#include "compress/cache_compressor.h"
#include "compress/compressed_kv_cache.h"
#include "compress/varlen_attention.h"
#include "engine/tiny_models.h"
#include "model/decoder.h"
#include "reference/naive_decoder.h"

#include "headscope/core/allocator.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace headscope;

class TestCachedKeys : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void storedKeysAreTheModelsKeys_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* name : {"qwen3 qk-norm head-dim tied", "gemma3 local rope", "phi3 fused partial longrope",
                                 "gemma2 softcap sliding"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void storedKeysAreTheModelsKeys()
    {
        QFETCH(QString, model);
        TestModelSpec spec;
        for (const TinyModelCase& t : tinyModelCases())
            if (model == QLatin1String(t.name))
                spec = t.spec;
        const std::string path = m_dir.filePath(model).toStdString();
        writeTestModel(spec, path);
        const Checkpoint cp = Checkpoint::open(path);
        const ModelConfig& c = cp.config();
        const auto prompt = testPrompt(30);
        const auto ref = reference::naiveForward(cp, prompt, -1, reference::Mistake::None, /*keepKeys=*/true);

        at::NoGradGuard noGrad;
        const auto options = at::TensorOptions().dtype(at::kFloat);
        model::Decoder decoder(c, model::loadWeights(cp, options), at::Device(at::kCPU));
        auto caches = decoder.makeCaches(int64_t(prompt.size()));
        model::WindowCapture capture;
        capture.size = 3;
        model::PrefillOptions prefill;
        prefill.queryBlock = 8;
        prefill.capture = &capture;
        decoder.prefill(at::tensor(std::vector<int64_t>(prompt.begin(), prompt.end()), at::kLong), caches, {}, prefill);

        AllocationParams p;
        p.baseCapacity = 9; // 6 selected of 27 prefix keys, then the 3-token window
        p.window = 3;
        CompressionSpec cs;
        cs.plan = allocateUniform(int(c.numLayers), int(c.numHeads), p);
        const BudgetPlan stored = compress::storedPlan(cs, c);
        auto compressed = compress::compressCaches(std::move(caches), capture.queries, cs, stored, c, 2,
                                                   [&](int64_t l) { return decoder.attentionParams(l); });
        double maxDiff = 0.0;
        int64_t checked = 0;
        for (int64_t l = 0; l < c.numLayers; ++l) {
            const auto* cache = dynamic_cast<const compress::CompressedKvCache*>(compressed.caches[std::size_t(l)].get());
            QVERIFY(cache);
            for (int64_t s = 0; s < cache->storedHeads(); ++s) {
                auto keys = cache->headKeys(s).contiguous();          // [kept, d]
                auto positions = cache->headPositions(s).contiguous(); // [kept]
                for (int64_t i = 0; i < keys.size(0); ++i) {
                    const auto& expected = ref.keys[std::size_t(l)][std::size_t(s)][std::size_t(positions[i].item<int64_t>())];
                    for (int64_t e = 0; e < c.headDim; ++e)
                        maxDiff = std::max(maxDiff, std::abs(double(keys[i][e].item<float>()) - expected[std::size_t(e)]));
                    ++checked;
                }
            }
        }
        qInfo("%lld stored keys, max |diff| to the reference = %.3g", static_cast<long long>(checked), maxDiff);
        QVERIFY(checked > 0);
        QVERIFY2(maxDiff < 1e-4, qPrintable(QString::number(maxDiff)));
    }

    void varlenKernelSoftcaps()
    {
        at::manual_seed(3);
        const int64_t heads = 4, d = 8, len = 10;
        auto q = at::randn({heads, d}) * 3.0;
        auto k = at::randn({2 * len, d}) * 3.0, v = at::randn({2 * len, d});
        auto positions = at::cat({at::arange(len), at::arange(len)});
        const std::vector<int64_t> offsets = {0, len}, lengths = {len, len};
        const compress::VarlenSegments seg{offsets, lengths};
        at::Tensor rowsFused, rowsAten, rowsPlain;
        auto fused = compress::varlenDecodeAttention(q, k, v, positions, seg, 0.3, 0, len, &rowsFused, 2.0);
        auto aten = compress::varlenDecodeAttentionAten(q, k, v, positions, seg, 0.3, 0, len, &rowsAten, 2.0);
        compress::varlenDecodeAttention(q, k, v, positions, seg, 0.3, 0, len, &rowsPlain);
        QVERIFY((fused - aten).abs().max().item<float>() < 1e-5f);
        QVERIFY((rowsFused - rowsAten).abs().max().item<float>() < 1e-6f);
        // Dense check of one head: softmax(tanh(s / c) · c).
        auto scores = at::matmul(q[0], k.narrow(0, 0, len).t()) * 0.3;
        auto expected = at::softmax(at::tanh(scores / 2.0) * 2.0, -1);
        QVERIFY((rowsFused[0] - expected).abs().max().item<float>() < 1e-6f);
        QVERIFY((rowsPlain - rowsFused).abs().max().item<float>() > 1e-2f); // the cap matters here
    }
};

QTEST_GUILESS_MAIN(TestCachedKeys)
#include "tst_cached_keys.moc"
