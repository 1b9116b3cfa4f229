// The engine's write-aware hook points (docs/algorithms.md §1G) on tiny checkpoints: the head
// writes, the MLP outputs and the embedding, read through the token readout, add up to the
// generated token's logit; the span part equals the whole write when the span holds every key;
// a head whose o_proj columns are zero (a hand-built two-head model) and a masked head write
// nothing; a compressed cache reports no span part.
#include "headscope/core/budget_plan.h"
#include "headscope/core/checkpoint.h"
#include "headscope/core/compression.h"
#include "headscope/core/forward_observer.h"
#include "headscope/core/tensor_view.h"
#include "headscope/engine/engine.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <map>
#include <tuple>

using namespace headscope;

namespace {

// Records every reported tensor by (point, step, layer).
class Recorder final : public ForwardObserver {
public:
    std::optional<std::pair<int64_t, int64_t>> span;
    std::map<std::tuple<HookPoint, int, int>, std::vector<float>> seen;
    std::vector<int32_t> tokens;

    bool wants(HookPoint p) const override
    {
        return p == HookPoint::Embed || p == HookPoint::MlpOut || p == HookPoint::HeadWrite ||
               p == HookPoint::HeadWriteSpan || p == HookPoint::TokenReadout || p == HookPoint::Logits;
    }
    void onHook(const HookEvent& e) override { seen[{e.point, e.step, e.layer}].assign(e.values.begin(), e.values.end()); }
    void onStepComplete(int, int32_t token) override { tokens.push_back(token); }
    std::optional<std::pair<int64_t, int64_t>> attributionSpan() const override { return span; }

    const std::vector<float>& at(HookPoint p, int step, int layer) const
    {
        static const std::vector<float> none;
        const auto it = seen.find({p, step, layer});
        return it == seen.end() ? none : it->second;
    }
};

double dot(const float* a, const std::vector<float>& b)
{
    double s = 0.0;
    for (std::size_t i = 0; i < b.size(); ++i)
        s += static_cast<double>(a[i]) * b[i];
    return s;
}

std::vector<int32_t> prompt(int n)
{
    std::vector<int32_t> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back(static_cast<int32_t>(3 + (i * 7) % 80));
    return ids;
}

} // namespace

class TestWriteHooks : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void contributionsAddUpToTheLogit()
    {
        QTemporaryDir dir;
        TestModelSpec spec;
        spec.layers = 2;
        spec.hidden = 32;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.intermediate = 48;
        spec.vocab = 97;
        spec.seed = 9;
        writeTestModel(spec, dir.path().toStdString());
        Engine engine;
        engine.load(dir.path().toStdString());
        const auto ids = prompt(20);
        Recorder rec;
        rec.span = std::make_pair(int64_t(0), int64_t(ids.size()));
        GenerateOptions o;
        o.maxNewTokens = 4;
        const GenerateResult r = engine.generate(ids, o, &rec);
        QCOMPARE(rec.tokens.size(), std::size_t(4));
        const int H = 4, hidden = 32;
        for (int step = 0; step < 4; ++step) {
            const auto& readout = rec.at(HookPoint::TokenReadout, step, -1);
            QCOMPARE(readout.size(), std::size_t(hidden));
            double sum = dot(rec.at(HookPoint::Embed, step, -1).data(), readout);
            for (int l = 0; l < 2; ++l) {
                sum += dot(rec.at(HookPoint::MlpOut, step, l).data(), readout);
                const auto& writes = rec.at(HookPoint::HeadWrite, step, l);
                QCOMPARE(writes.size(), std::size_t(H * hidden));
                for (int h = 0; h < H; ++h)
                    sum += dot(writes.data() + h * hidden, readout);
            }
            const float logit = rec.at(HookPoint::Logits, step, -1)[static_cast<std::size_t>(r.generatedIds[step])];
            QVERIFY2(std::abs(sum - logit) < 1e-3 * (1.0 + std::abs(logit)),
                     (std::to_string(sum) + " vs " + std::to_string(logit)).c_str());
        }
        // At step 0 every key is in the span [0, prompt): the span part is the whole write.
        for (int l = 0; l < 2; ++l) {
            const auto& all = rec.at(HookPoint::HeadWrite, 0, l);
            const auto& part = rec.at(HookPoint::HeadWriteSpan, 0, l);
            QCOMPARE(part.size(), all.size());
            for (std::size_t i = 0; i < all.size(); ++i)
                QVERIFY(std::abs(all[i] - part[i]) < 1e-5f);
        }
        // Later the generated tokens are outside it: the parts differ.
        double diff = 0.0;
        const auto& a3 = rec.at(HookPoint::HeadWrite, 3, 1);
        const auto& p3 = rec.at(HookPoint::HeadWriteSpan, 3, 1);
        for (std::size_t i = 0; i < a3.size(); ++i)
            diff += std::abs(a3[i] - p3[i]);
        QVERIFY(diff > 1e-4);
    }

    void silentHeadAndMaskedHeadWriteNothing()
    {
        // A hand-built two-head model: one layer, two query heads sharing one KV head, and head
        // 1's columns of o_proj set to zero — whatever it attends to, it writes nothing.
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        TestModelSpec spec;
        spec.layers = 1;
        spec.hidden = 16;
        spec.heads = 2;
        spec.kvHeads = 1;
        spec.intermediate = 24;
        spec.vocab = 97;
        spec.seed = 4;
        writeTestModel(spec, root);
        {
            const Checkpoint ck = Checkpoint::open(root);
            std::vector<TensorToWrite> tensors;
            for (const std::string& name : ck.tensorNames()) {
                const TensorView& v = ck.tensor(name); // the test model is written in F32
                const auto* f = reinterpret_cast<const float*>(v.data);
                TensorToWrite t{name, ElementType::F32, v.shape, std::vector<float>(f, f + v.numel())};
                if (name == "model.layers.0.self_attn.o_proj.weight")
                    for (int64_t row = 0; row < 16; ++row)
                        for (int64_t col = 8; col < 16; ++col) // head 1 = input features 8..15
                            t.values[static_cast<std::size_t>(row * 16 + col)] = 0.0f;
                tensors.push_back(std::move(t));
            }
            writeSafetensors(root / "model.safetensors.new", tensors);
        }
        std::filesystem::rename(root / "model.safetensors.new", root / "model.safetensors");
        Engine engine;
        engine.load(root);
        const auto ids = prompt(12);
        Recorder rec;
        rec.span = std::make_pair(int64_t(3), int64_t(6));
        GenerateOptions o;
        o.maxNewTokens = 3;
        engine.generate(ids, o, &rec);
        for (int step = 0; step < 3; ++step) {
            const auto& w = rec.at(HookPoint::HeadWrite, step, 0);
            const auto& s = rec.at(HookPoint::HeadWriteSpan, step, 0);
            double head0 = 0.0, head1 = 0.0;
            for (int i = 0; i < 16; ++i) {
                head0 += std::abs(w[static_cast<std::size_t>(i)]);
                head1 += std::abs(w[static_cast<std::size_t>(16 + i)]) + std::abs(s[static_cast<std::size_t>(16 + i)]);
            }
            QVERIFY(head0 > 0.0);
            QCOMPARE(head1, 0.0);
        }
        // Masking head 0 zeroes its write and its span part too.
        Recorder masked;
        masked.span = rec.span;
        o.maskedHeads = {{0, 0}};
        engine.generate(ids, o, &masked);
        for (float v : masked.at(HookPoint::HeadWrite, 1, 0))
            QCOMPARE(v, 0.0f);
        for (float v : masked.at(HookPoint::HeadWriteSpan, 1, 0))
            QCOMPARE(v, 0.0f);
        // A compressed cache no longer holds every key: no span part, the whole write still.
        Recorder compressed;
        compressed.span = rec.span;
        GenerateOptions c;
        c.maxNewTokens = 3;
        auto spec2 = std::make_shared<CompressionSpec>();
        spec2->plan.layers = 1;
        spec2->plan.heads = 2;
        spec2->plan.capacities = {2, 2};
        spec2->plan.window = 2;
        spec2->plan.method = "uniform";
        c.compression = spec2;
        engine.generate(ids, c, &compressed);
        QVERIFY(compressed.at(HookPoint::HeadWriteSpan, 1, 0).empty());
        QCOMPARE(compressed.at(HookPoint::HeadWrite, 1, 0).size(), std::size_t(2 * 16));
    }
};

QTEST_GUILESS_MAIN(TestWriteHooks)
#include "tst_write_hooks.moc"
