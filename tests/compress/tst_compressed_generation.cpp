// Compressed generation through the Engine: with a budget at least the prompt, every
// architecture variant generates exactly what the full cache does; under a real budget each
// head holds exactly its planned tokens (window included), bytes equal the plan, the observer's
// rows only cover kept positions, Ada-KV redistributes a layer's budget, and bad specs fail
// with errors that name the field.
#include "engine/tiny_models.h"

#include "headscope/core/allocator.h"
#include "headscope/core/compression.h"
#include "headscope/engine/engine.h"
#include "headscope/core/errors.h"
#include "headscope/core/forward_observer.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <numeric>
#include <set>

using namespace headscope;

namespace {

std::shared_ptr<CompressionSpec> specFor(BudgetPlan plan, CacheLayout layout = CacheLayout::GqaFlattened)
{
    auto spec = std::make_shared<CompressionSpec>();
    spec->plan = std::move(plan);
    spec->layout = layout;
    return spec;
}

BudgetPlan uniformPlan(const ModelConfig& c, int64_t base, int window)
{
    AllocationParams p;
    p.baseCapacity = base;
    p.window = window;
    return allocateUniform(static_cast<int>(c.numLayers), static_cast<int>(c.numHeads), p);
}

// Row-stat observer: records, per layer, the positions each head's decode rows put mass on.
class RowObserver : public ForwardObserver {
public:
    bool wants(HookPoint p) const override { return p == HookPoint::AttnPattern; }
    void onHook(const HookEvent& e) override
    {
        const int64_t heads = e.shape[0], keys = e.shape[1];
        for (int64_t h = 0; h < heads; ++h) {
            double sum = 0.0;
            for (int64_t j = 0; j < keys; ++j) {
                const float x = e.values[static_cast<std::size_t>(h * keys + j)];
                sum += x;
                if (x > 0.0f && e.step > 0)
                    touched[{e.layer, static_cast<int>(h)}].insert(j);
            }
            maxSumError = std::max(maxSumError, std::abs(sum - 1.0));
        }
        ++rows;
    }
    std::map<std::pair<int, int>, std::set<int64_t>> touched;
    double maxSumError = 0.0;
    int rows = 0;
};

} // namespace

class TestCompressedGeneration : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    std::string writeModel(const TestModelSpec& spec, const QString& name)
    {
        const std::string path = m_dir.filePath(name).toStdString();
        writeTestModel(spec, path);
        return path;
    }

private Q_SLOTS:
    void budgetCoveringThePromptEqualsFullCache_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("layout");
        const auto cases = tinyModelCases();
        for (int i = 0; i < static_cast<int>(cases.size()); ++i) {
            QTest::newRow((std::string(cases[std::size_t(i)].name) + " kv").c_str()) << i << int(CacheLayout::GqaFlattened);
            QTest::newRow((std::string(cases[std::size_t(i)].name) + " query").c_str())
                << i << int(CacheLayout::QueryHeadFlattened);
        }
    }

    void budgetCoveringThePromptEqualsFullCache()
    {
        QFETCH(int, index);
        QFETCH(int, layout);
        const auto tiny = tinyModelCases()[std::size_t(index)];
        Engine engine;
        engine.load(writeModel(tiny.spec, QStringLiteral("equal%1").arg(index)));
        const auto prompt = testPrompt(40);
        GenerateOptions o;
        o.maxNewTokens = 16;
        o.keepLogProbs = true;
        o.prefillChunk = 16; // several chunks; the last one is widened to hold the window
        const GenerateResult full = engine.generate(prompt, o);
        o.compression = specFor(uniformPlan(engine.config(), 64, 8), static_cast<CacheLayout>(layout));
        const GenerateResult small = engine.generate(prompt, o);
        QCOMPARE(small.generatedIds, full.generatedIds);
        double maxDiff = 0.0;
        for (std::size_t s = 0; s < full.stepLogProbs.size(); ++s)
            for (std::size_t i = 0; i < full.stepLogProbs[s].size(); ++i)
                maxDiff = std::max(maxDiff, double(std::abs(full.stepLogProbs[s][i] - small.stepLogProbs[s][i])));
        QVERIFY2(maxDiff < 1e-4, std::to_string(maxDiff).c_str());
        // Every head keeps the whole prompt, except on local layers: only the window − 1 prompt
        // tokens their next query can see (so the plan's surplus there is not held).
        const auto& c = engine.config();
        const int64_t stored = layout == int(CacheLayout::GqaFlattened) ? c.numKvHeads : c.numHeads;
        const int64_t promptLen = int64_t(prompt.size());
        int64_t heldTokens = 0;
        QCOMPARE(small.keptPositions.size(), std::size_t(c.numLayers));
        for (int64_t l = 0; l < c.numLayers; ++l) {
            const auto& layer = small.keptPositions[std::size_t(l)];
            const int64_t held = c.layerWindow(l) > 0 ? std::min(promptLen, c.layerWindow(l) - 1) : promptLen;
            QCOMPARE(layer.size(), std::size_t(stored));
            for (const auto& head : layer) {
                const std::set<int32_t> positions(head.begin(), head.end());
                QCOMPARE(int64_t(head.size()), held);
                QCOMPARE(int64_t(positions.size()), held);
                QCOMPARE(int64_t(*positions.begin()), promptLen - held); // the visible tail
            }
            heldTokens += held * stored;
        }
        QCOMPARE(small.kvBytes, full.kvBytes / (c.numLayers * c.numKvHeads * promptLen) * heldTokens);
    }

    // A local layer never holds more than its window, whatever its budget; the plan's memory
    // estimate holds exactly what the engine holds and reports the surplus.
    void localLayersHoldAtMostTheirWindow()
    {
        TestModelSpec spec;
        for (const TinyModelCase& t : tinyModelCases())
            if (std::string(t.name) == "gemma2 softcap sliding") // layer 0 local (window 5), layer 1 global
                spec = t.spec;
        Engine engine;
        engine.load(writeModel(spec, QStringLiteral("local")));
        const auto& c = engine.config();
        QCOMPARE(c.layerWindow(0), int64_t(5));
        QCOMPARE(c.layerWindow(1), int64_t(0));
        const auto prompt = testPrompt(40);
        const BudgetPlan plan = uniformPlan(c, 16, 2); // every head: cap + 2 window tokens, far over 4
        const int64_t planned = plan.at(0, 0) + 2;
        QVERIFY(planned > 4);
        GenerateOptions o;
        o.maxNewTokens = 4;
        o.compression = specFor(plan);
        RowObserver observer;
        const GenerateResult r = engine.generate(prompt, o, &observer);
        for (const auto& head : r.keptPositions[0]) // local: positions 36..39, the last window − 1
            QCOMPARE(std::set<int32_t>(head.begin(), head.end()), (std::set<int32_t>{36, 37, 38, 39}));
        for (const auto& head : r.keptPositions[1]) // global: as planned
            QCOMPARE(int64_t(head.size()), planned);
        const MemoryEstimate estimate = estimateMemory(plan, modelDims(c), CacheLayout::GqaFlattened, KvDtype::F32, 40);
        QCOMPARE(r.kvBytes, estimate.kvBytes);
        QCOMPARE(estimate.layerBeyondWindowTokens, (std::vector<int64_t>{c.numKvHeads * (planned - 4), 0}));
        // Decode rows on the local layer put mass only inside the window.
        for (const auto& [head, positions] : observer.touched)
            if (head.first == 0)
                for (int64_t p : positions)
                    QVERIFY2(p >= 36, qPrintable(QString::number(p)));
    }

    void eachHeadHoldsExactlyItsPlan()
    {
        TestModelSpec spec = tinyModelCases()[0].spec; // 2 layers, 4 query heads, 2 KV heads, d 16
        Engine engine;
        engine.load(writeModel(spec, QStringLiteral("plan")));
        const auto& c = engine.config();
        const auto prompt = testPrompt(90);
        BudgetPlan plan = uniformPlan(c, 16, 4);
        // Uneven caps, some above what the prompt can give (truncated at prompt − window).
        plan.capacities = {3, 5, 20, 40, 0, 7, 100, 2};
        for (CacheLayout layout : {CacheLayout::GqaFlattened, CacheLayout::QueryHeadFlattened}) {
            GenerateOptions o;
            o.maxNewTokens = 6;
            auto cs = specFor(plan, layout);
            o.compression = cs;
            const GenerateResult r = engine.generate(prompt, o);
            const bool query = layout == CacheLayout::QueryHeadFlattened;
            const BudgetPlan stored = query ? plan : toKvHeadPlan(plan, static_cast<int>(c.numKvHeads), GroupAggregation::Mean);
            const int64_t prefix = int64_t(prompt.size()) - plan.window;
            int64_t tokens = 0;
            for (int l = 0; l < plan.layers; ++l) {
                QCOMPARE(r.keptPositions[std::size_t(l)].size(), std::size_t(stored.heads));
                for (int s = 0; s < stored.heads; ++s) {
                    const auto& kept = r.keptPositions[std::size_t(l)][std::size_t(s)];
                    const int64_t expected = std::min(stored.at(l, s), prefix) + plan.window;
                    QCOMPARE(int64_t(kept.size()), expected);
                    tokens += expected;
                    // Selected tokens come from the prefix; the window closes every head.
                    for (std::size_t i = 0; i + plan.window < kept.size(); ++i)
                        QVERIFY(kept[i] >= 0 && kept[i] < prefix);
                    for (int i = 0; i < plan.window; ++i)
                        QCOMPARE(int64_t(kept[kept.size() - std::size_t(plan.window) + std::size_t(i)]), prefix + i);
                    QCOMPARE(std::set<int32_t>(kept.begin(), kept.end()).size(), kept.size());
                }
            }
            QCOMPARE(r.kvBytes, tokens * c.headDim * 2 * 4); // f32 K and V
            const ModelDims dims = modelDims(c);
            const MemoryEstimate estimate = estimateMemory(plan, dims, layout, KvDtype::F32, int64_t(prompt.size()));
            QCOMPARE(r.kvBytes, estimate.kvBytes);
        }
    }

    void compressedRowsOnlyCoverKeptPositions()
    {
        Engine engine;
        engine.load(writeModel(tinyModelCases()[0].spec, QStringLiteral("rows")));
        const auto prompt = testPrompt(60);
        GenerateOptions o;
        o.maxNewTokens = 5;
        o.compression = specFor(uniformPlan(engine.config(), 12, 4));
        RowObserver observer;
        const GenerateResult r = engine.generate(prompt, o, &observer);
        QCOMPARE(observer.rows, int(engine.config().numLayers) * 5);
        QVERIFY(observer.maxSumError < 1e-5);
        const int64_t group = engine.config().numHeads / engine.config().numKvHeads;
        for (const auto& [head, positions] : observer.touched) {
            const auto& kept = r.keptPositions[std::size_t(head.first)][std::size_t(head.second / group)];
            std::set<int64_t> allowed(kept.begin(), kept.end());
            for (int64_t p = int64_t(prompt.size()); p < int64_t(prompt.size()) + 5; ++p)
                allowed.insert(p); // generated tokens are appended to every head
            for (int64_t p : positions)
                QVERIFY2(allowed.count(p), qPrintable(QStringLiteral("layer %1 head %2 position %3")
                                                          .arg(head.first).arg(head.second).arg(p)));
        }
    }

    void adaKvSplitsEachLayersBudgetByThePrompt()
    {
        TestModelSpec spec = tinyModelCases()[1].spec; // MHA: 4 KV heads per layer
        Engine engine;
        engine.load(writeModel(spec, QStringLiteral("ada")));
        const auto& c = engine.config();
        AllocationParams p;
        p.baseCapacity = 20;
        p.window = 4;
        p.adaFloorAlpha = 0.2;
        const BudgetPlan plan = allocateByName("adakv", nullptr, int(c.numLayers), int(c.numHeads), p);
        GenerateOptions o;
        o.maxNewTokens = 4;
        o.compression = specFor(plan);
        const GenerateResult r = engine.generate(testPrompt(80), o);
        bool uneven = false;
        for (const auto& layer : r.keptPositions) {
            int64_t selected = 0;
            for (const auto& head : layer) {
                const int64_t n = int64_t(head.size()) - p.window;
                QVERIFY(n >= int64_t(16 * 0.2)); // the floor: int(b·α)
                selected += n;
                uneven = uneven || n != 16;
            }
            // round(n_h(1−α) + int(bα)) summed over heads stays within a token per head of H·b.
            QVERIFY2(std::abs(selected - 4 * 16) <= 4, std::to_string(selected).c_str());
        }
        QVERIFY(uneven); // random heads do not attend alike
    }

    void maskingWorksOnCompressedCaches()
    {
        Engine engine;
        engine.load(writeModel(tinyModelCases()[0].spec, QStringLiteral("mask")));
        GenerateOptions o;
        o.maxNewTokens = 6;
        o.keepLogProbs = true;
        o.compression = specFor(uniformPlan(engine.config(), 12, 4));
        const GenerateResult plain = engine.generate(testPrompt(50), o);
        o.maskedHeads = {};
        QCOMPARE(engine.generate(testPrompt(50), o).stepLogProbs, plain.stepLogProbs);
        o.maskedHeads = {HeadRef{1, 2}};
        QVERIFY(engine.generate(testPrompt(50), o).stepLogProbs != plain.stepLogProbs);
    }

    void badSpecsFailNamingTheField()
    {
        Engine engine;
        engine.load(writeModel(tinyModelCases()[0].spec, QStringLiteral("bad")));
        GenerateOptions o;
        auto check = [&](const std::shared_ptr<CompressionSpec>& spec, const char* needle) {
            o.compression = spec;
            try {
                engine.generate(testPrompt(20), o);
                QFAIL("no error");
            } catch (const UsageError& e) {
                QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            }
        };
        auto wrongLayers = specFor(uniformPlan(engine.config(), 12, 4));
        wrongLayers->plan.layers = 3;
        check(wrongLayers, "layers");
        auto evenKernel = specFor(uniformPlan(engine.config(), 12, 4));
        evenKernel->poolingKernel = 4;
        check(evenKernel, "kernel");
        auto noWindow = specFor(uniformPlan(engine.config(), 12, 4));
        noWindow->plan.window = 0;
        check(noWindow, "window");
        auto padded = specFor(uniformPlan(engine.config(), 12, 4), CacheLayout::Padded);
        check(padded, "padded");
    }
};

QTEST_GUILESS_MAIN(TestCompressedGeneration)
#include "tst_compressed_generation.moc"
