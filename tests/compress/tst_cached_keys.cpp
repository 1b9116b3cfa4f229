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

    // A local layer's compressed cache never holds more than its window: once a head is full,
    // decode appends reuse rows no query can see any more, and attention stays exact.
    void localLayerCacheNeverExceedsItsWindow()
    {
        at::manual_seed(5);
        const int64_t window = 5, d = 8, kvHeads = 2, prompt = 40;
        std::vector<compress::StoredHead> heads;
        for (int64_t s = 0; s < kvHeads; ++s) // the visible tail of the prompt: positions 36..39
            heads.push_back({at::randn({window - 1, d}), at::randn({window - 1, d}), at::arange(prompt - window + 1, prompt)});
        compress::CompressedKvCache cache(heads, /*room=*/12, prompt, kvHeads, window);
        std::vector<at::Tensor> allK(static_cast<std::size_t>(kvHeads)), allV(static_cast<std::size_t>(kvHeads));
        for (int64_t s = 0; s < kvHeads; ++s) {
            allK[std::size_t(s)] = heads[std::size_t(s)].keys;
            allV[std::size_t(s)] = heads[std::size_t(s)].values;
        }
        model::AttentionParams params{0.35, window, 0.0};
        for (int step = 0; step < 9; ++step) {
            auto k = at::randn({kvHeads, 1, d}), v = at::randn({kvHeads, 1, d});
            cache.append(k, v);
            auto q = at::randn({4, d}); // 2 query heads per KV head
            at::Tensor rows;
            auto out = cache.attendDecode(q, params, &rows);
            for (int64_t s = 0; s < kvHeads; ++s) {
                QVERIFY(cache.headLength(s) <= window);
                allK[std::size_t(s)] = at::cat({allK[std::size_t(s)], k[s]});
                allV[std::size_t(s)] = at::cat({allV[std::size_t(s)], v[s]});
                // Dense reference over the last `window` positions.
                auto kw = allK[std::size_t(s)].narrow(0, allK[std::size_t(s)].size(0) - window, window);
                auto vw = allV[std::size_t(s)].narrow(0, allV[std::size_t(s)].size(0) - window, window);
                auto expected = at::matmul(at::softmax(at::matmul(q.narrow(0, 2 * s, 2), kw.t()) * 0.35, -1), vw);
                QVERIFY((out.narrow(0, 2 * s, 2) - expected).abs().max().item<float>() < 1e-5f);
            }
            QCOMPARE(rows.size(1), prompt + step + 1);
            QCOMPARE(rows.narrow(1, 0, prompt + step + 1 - window).abs().sum().item<float>(), 0.0f);
        }
        QCOMPARE(cache.storedBytes(), kvHeads * window * d * 2 * 4);
    }
};

QTEST_GUILESS_MAIN(TestCachedKeys)
#include "tst_cached_keys.moc"
