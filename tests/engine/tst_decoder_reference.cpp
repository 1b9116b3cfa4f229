// The shared decoder against the independent float64 reference (tests/reference/), on tiny
// checkpoints of every architecture variant: logits within 1e-5 relative in f32, within the
// expected bf16 error in bf16; greedy generation (prefill, cached decode, longrope's switch)
// gives the reference's ids; attention rows given to the observer equal the reference rows.
// And for each known-easy mistake (plain instead of (1 + w) norm, a missing soft-cap, global
// RoPE on local layers, a wrong qkv split, full instead of partial rotary, …) the reference
// run with that mistake is far from the engine: a decoder making it would fail here.
#include "engine/tiny_models.h"
#include "reference/naive_decoder.h"

#include "headscope/engine/engine.h"
#include "headscope/core/forward_observer.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace headscope;

namespace {

int argmax(const std::vector<double>& row)
{
    return static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
}

double maxRelativeDiff(const std::vector<float>& got, const std::vector<std::vector<double>>& ref)
{
    double maxDiff = 0.0, maxRef = 0.0;
    std::size_t i = 0;
    for (const auto& row : ref)
        for (double r : row) {
            maxDiff = std::max(maxDiff, std::abs(static_cast<double>(got[i++]) - r));
            maxRef = std::max(maxRef, std::abs(r));
        }
    return maxDiff / maxRef;
}

class RowRecorder : public ForwardObserver {
public:
    bool wants(HookPoint p) const override { return p == HookPoint::AttnPattern; }
    void onHook(const HookEvent& e) override
    {
        if (e.step == m_step)
            m_rows[e.layer] = std::vector<float>(e.values.begin(), e.values.end());
        m_shape = std::vector<int64_t>(e.shape.begin(), e.shape.end());
    }
    int m_step = 0;
    std::map<int, std::vector<float>> m_rows; // layer → [heads, keys]
    std::vector<int64_t> m_shape;
};

} // namespace

class TestDecoderReference : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    std::string writeCase(int index)
    {
        const auto cases = tinyModelCases();
        const std::string path = m_dir.filePath(QString::number(index)).toStdString();
        writeTestModel(cases[static_cast<std::size_t>(index)].spec, path);
        return path;
    }

private Q_SLOTS:
    void logits_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<bool>("bf16");
        const auto cases = tinyModelCases();
        for (std::size_t i = 0; i < cases.size(); ++i) {
            QTest::newRow((std::string(cases[i].name) + " f32").c_str()) << int(i) << false;
            QTest::newRow((std::string(cases[i].name) + " bf16").c_str()) << int(i) << true;
        }
    }

    void logits()
    {
        QFETCH(int, index);
        QFETCH(bool, bf16);
        const std::string path = writeCase(index);
        const auto prompt = testPrompt();
        const auto ref = reference::naiveForward(Checkpoint::open(path), prompt);
        Engine engine;
        LoadOptions options;
        options.dtype = bf16 ? DType::BF16 : DType::F32;
        engine.load(path, options);
        const double rel = maxRelativeDiff(engine.forwardLogits(prompt), ref.logits);
        qInfo("%s: max |logit diff| / max |logit| = %.3g", QTest::currentDataTag(), rel);
        // bf16 keeps 8 mantissa bits: ~0.4 % per rounding, compounded over two or three layers
        // (more where longrope's attention factor sharpens the scores, as on the Phi-3 case).
        QVERIFY2(rel < (bf16 ? 5e-2 : 1e-5), qPrintable(QString::number(rel)));
    }

    void attentionRows_data()
    {
        QTest::addColumn<int>("index");
        const auto cases = tinyModelCases();
        for (std::size_t i = 0; i < cases.size(); ++i)
            QTest::newRow(cases[i].name) << int(i);
    }

    // Rows of the last prompt position (step 0) and of the first decode step (step 1).
    void attentionRows()
    {
        QFETCH(int, index);
        const std::string path = writeCase(index);
        const auto prompt = testPrompt();
        Engine engine;
        engine.load(path);
        for (int step : {0, 1}) {
            RowRecorder rec;
            rec.m_step = step;
            GenerateOptions o;
            o.maxNewTokens = 3;
            const GenerateResult r = engine.generate(prompt, o, &rec);
            std::vector<int32_t> seq = prompt;
            if (step == 1)
                seq.push_back(r.generatedIds[0]);
            const auto ref = reference::naiveForward(Checkpoint::open(path), seq, static_cast<int>(seq.size()) - 1);
            const int heads = static_cast<int>(engine.config().numHeads);
            const std::size_t keys = seq.size();
            double maxDiff = 0.0;
            for (int layer = 0; layer < engine.config().numLayers; ++layer) {
                const std::vector<float>& rows = rec.m_rows.at(layer);
                QCOMPARE(rows.size(), static_cast<std::size_t>(heads) * keys);
                for (int h = 0; h < heads; ++h) {
                    double sum = 0.0;
                    for (std::size_t j = 0; j < keys; ++j) {
                        const float a = rows[static_cast<std::size_t>(h) * keys + j];
                        sum += a;
                        maxDiff = std::max(maxDiff, std::abs(a - ref.rows[static_cast<std::size_t>(layer)][static_cast<std::size_t>(h)][j]));
                    }
                    QVERIFY2(std::abs(sum - 1.0) < 1e-5, qPrintable(QString::number(sum)));
                }
            }
            qInfo("step %d: max |row diff| = %.3g", step, maxDiff);
            QVERIFY(maxDiff < 1e-5);
        }
    }

    // Greedy generation through prefill and the cached decode path gives the reference's ids
    // (the reference recomputes the whole sequence each step).
    void greedyIds_data()
    {
        QTest::addColumn<int>("index");
        const auto cases = tinyModelCases();
        for (std::size_t i = 0; i < cases.size(); ++i)
            QTest::newRow(cases[i].name) << int(i);
    }

    void greedyIds()
    {
        QFETCH(int, index);
        const std::string path = writeCase(index);
        const Checkpoint cp = Checkpoint::open(path);
        Engine engine;
        engine.load(path);
        GenerateOptions o;
        o.maxNewTokens = 6;
        o.prefillChunk = 5; // several chunks
        const GenerateResult r = engine.generate(testPrompt(), o);
        std::vector<int32_t> seq = testPrompt();
        for (std::size_t step = 0; step < r.generatedIds.size(); ++step) {
            const int expected = argmax(reference::naiveForward(cp, seq).logits.back());
            QCOMPARE(r.generatedIds[step], expected);
            seq.push_back(r.generatedIds[step]);
        }
    }

    // Known-easy mistakes: the engine matches the right math to 1e-5 and is ≥ 100× that far
    // from the reference run with the mistake.
    void mistakesAreCaught_data()
    {
        using reference::Mistake;
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("mistake");
        const std::vector<std::pair<const char*, std::vector<std::pair<const char*, Mistake>>>> table = {
            {"qwen3 qk-norm head-dim tied", {{"no q/k norm", Mistake::NoQkNorm}}},
            {"qwen3 sliding layer 1", {{"no sliding window", Mistake::NoSlidingWindow}}},
            {"gemma2 softcap sliding",
             {{"plain norm", Mistake::PlainNorm},
              {"no attention soft-cap", Mistake::NoAttnSoftcap},
              {"no final soft-cap", Mistake::NoFinalSoftcap},
              {"no sliding window", Mistake::NoSlidingWindow},
              {"head_dim scale", Mistake::HeadDimScale}}},
            {"gemma3 local rope",
             {{"plain norm", Mistake::PlainNorm},
              {"global rope on local layers", Mistake::GlobalRopeOnLocal},
              {"no q/k norm", Mistake::NoQkNorm},
              {"no sliding window", Mistake::NoSlidingWindow}}},
            {"phi3 fused partial longrope",
             {{"qkv split [q|v|k]", Mistake::SwappedKvSplit},
              {"full rotary", Mistake::FullRotary},
              {"short factors only", Mistake::ShortFactorsOnly}}},
            {"phi3 longrope switch sliding", {{"no sliding window", Mistake::NoSlidingWindow}}},
        };
        for (const auto& [model, mistakes] : table)
            for (const auto& [name, m] : mistakes)
                QTest::newRow((std::string(model) + ": " + name).c_str()) << QString::fromLatin1(model) << int(m);
    }

    void mistakesAreCaught()
    {
        QFETCH(QString, model);
        QFETCH(int, mistake);
        const auto cases = tinyModelCases();
        int index = -1;
        for (std::size_t i = 0; i < cases.size(); ++i)
            if (model == QLatin1String(cases[i].name))
                index = int(i);
        QVERIFY(index >= 0);
        const std::string path = writeCase(index);
        const Checkpoint cp = Checkpoint::open(path);
        const auto prompt = testPrompt();
        Engine engine;
        engine.load(path);
        const auto logits = engine.forwardLogits(prompt);
        const double right = maxRelativeDiff(logits, reference::naiveForward(cp, prompt).logits);
        const double wrong = maxRelativeDiff(
            logits, reference::naiveForward(cp, prompt, -1, static_cast<reference::Mistake>(mistake)).logits);
        qInfo("%s: engine vs reference %.3g, vs reference with the mistake %.3g", QTest::currentDataTag(), right, wrong);
        QVERIFY2(right < 1e-5, qPrintable(QString::number(right)));
        QVERIFY2(wrong > 1e-3, qPrintable(QString::number(wrong)));
    }
};

QTEST_GUILESS_MAIN(TestDecoderReference)
#include "tst_decoder_reference.moc"
