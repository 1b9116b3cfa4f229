// Properties of generation that must hold whatever the weights: incremental decode with the
// cache equals full recompute; chunked prefill equals unchunked; an observer changes nothing;
// masking no heads changes nothing and masking a head changes the output; cancellation;
// bad requests fail with typed errors.
#include "engine/tiny_models.h"

#include "headscope/engine/engine.h"
#include "headscope/core/errors.h"
#include "headscope/core/forward_observer.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace headscope;

namespace {

class CountingObserver : public ForwardObserver {
public:
    bool wants(HookPoint) const override { return true; }
    void onHook(const HookEvent& e) override { ++m_events[std::string(hookName(e.point))]; }
    void onStepComplete(int step, int32_t token) override { m_tokens.emplace_back(step, token); }
    std::map<std::string, int> m_events;
    std::vector<std::pair<int, int32_t>> m_tokens;
};

int32_t argmax(const std::vector<float>& logits, std::size_t row, std::size_t vocab)
{
    const auto first = logits.begin() + static_cast<std::ptrdiff_t>(row * vocab);
    return static_cast<int32_t>(std::max_element(first, first + static_cast<std::ptrdiff_t>(vocab)) - first);
}

} // namespace

class TestDecoderProperties : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_path;
    Engine m_engine;

private Q_SLOTS:
    void initTestCase()
    {
        m_path = m_dir.filePath(QStringLiteral("llama")).toStdString();
        writeTestModel(tinyModelCases()[0].spec, m_path);
        m_engine.load(m_path);
    }

    void cachedDecodeEqualsFullRecompute()
    {
        const auto prompt = testPrompt();
        GenerateOptions o;
        o.maxNewTokens = 8;
        o.keepLogProbs = true;
        const GenerateResult r = m_engine.generate(prompt, o);
        QCOMPARE(r.generatedIds.size(), std::size_t(8));
        std::vector<int32_t> seq = prompt;
        const std::size_t vocab = static_cast<std::size_t>(m_engine.config().vocabSize);
        double maxDiff = 0.0;
        for (std::size_t step = 0; step < r.generatedIds.size(); ++step) {
            const auto logits = m_engine.forwardLogits(seq); // no cache, whole sequence
            const std::size_t last = seq.size() - 1;
            QCOMPARE(r.generatedIds[step], argmax(logits, last, vocab));
            // log-softmax of the recomputed row vs the cached run's log-probs
            const auto first = logits.begin() + static_cast<std::ptrdiff_t>(last * vocab);
            const float mx = *std::max_element(first, first + static_cast<std::ptrdiff_t>(vocab));
            double z = 0.0;
            for (std::size_t i = 0; i < vocab; ++i)
                z += std::exp(static_cast<double>(first[static_cast<std::ptrdiff_t>(i)] - mx));
            for (std::size_t i = 0; i < vocab; ++i) {
                const double lp = first[static_cast<std::ptrdiff_t>(i)] - mx - std::log(z);
                maxDiff = std::max(maxDiff, std::abs(lp - r.stepLogProbs[step][i]));
            }
            seq.push_back(r.generatedIds[step]);
        }
        qInfo("max |log-prob diff| cached vs recompute: %.3g", maxDiff);
        QVERIFY(maxDiff < 1e-4);
    }

    void chunkedPrefillEqualsUnchunked()
    {
        const auto prompt = testPrompt(40);
        GenerateOptions whole, chunked;
        whole.maxNewTokens = chunked.maxNewTokens = 6;
        whole.keepLogProbs = chunked.keepLogProbs = true;
        whole.prefillChunk = 1024;
        chunked.prefillChunk = 3;
        const GenerateResult a = m_engine.generate(prompt, whole);
        const GenerateResult b = m_engine.generate(prompt, chunked);
        QCOMPARE(a.generatedIds, b.generatedIds);
        double maxDiff = 0.0;
        for (std::size_t s = 0; s < a.stepLogProbs.size(); ++s)
            for (std::size_t i = 0; i < a.stepLogProbs[s].size(); ++i)
                maxDiff = std::max(maxDiff, static_cast<double>(std::abs(a.stepLogProbs[s][i] - b.stepLogProbs[s][i])));
        QVERIFY2(maxDiff < 1e-4, qPrintable(QString::number(maxDiff)));
    }

    void observerChangesNothing()
    {
        const auto prompt = testPrompt();
        GenerateOptions o;
        o.maxNewTokens = 5;
        CountingObserver obs;
        const GenerateResult plain = m_engine.generate(prompt, o);
        const GenerateResult observed = m_engine.generate(prompt, o, &obs);
        QCOMPARE(observed.generatedIds, plain.generatedIds);
        const int layers = static_cast<int>(m_engine.config().numLayers);
        QCOMPARE(obs.m_events["attn_pattern"], 5 * layers); // one per (step, layer)
        QCOMPARE(obs.m_events["logits"], 5);
        QCOMPARE(obs.m_events["resid_post"], 5 * layers);
        QCOMPARE(obs.m_tokens.size(), std::size_t(5));
        QCOMPARE(obs.m_tokens[2].second, plain.generatedIds[2]);
    }

    void headMasking()
    {
        const auto prompt = testPrompt();
        GenerateOptions o;
        o.maxNewTokens = 4;
        o.keepLogProbs = true;
        const GenerateResult plain = m_engine.generate(prompt, o);
        o.maskedHeads = {};
        const GenerateResult none = m_engine.generate(prompt, o);
        QCOMPARE(none.stepLogProbs, plain.stepLogProbs);
        o.maskedHeads = {{1, 2}};
        const GenerateResult masked = m_engine.generate(prompt, o);
        double diff = 0.0;
        for (std::size_t i = 0; i < plain.stepLogProbs[0].size(); ++i)
            diff = std::max(diff, static_cast<double>(std::abs(plain.stepLogProbs[0][i] - masked.stepLogProbs[0][i])));
        QVERIFY2(diff > 1e-4, "masking head 1-2 did not change the output");
        o.maskedHeads = {{7, 0}};
        QVERIFY_THROWS_EXCEPTION(UsageError, m_engine.generate(prompt, o));
    }

    void stopTokensAndCancellation()
    {
        const auto prompt = testPrompt();
        GenerateOptions o;
        o.maxNewTokens = 6;
        const GenerateResult free = m_engine.generate(prompt, o);
        o.stopTokens = {free.generatedIds[2]};
        const GenerateResult stopped = m_engine.generate(prompt, o);
        QVERIFY(stopped.stoppedOnToken);
        QVERIFY(stopped.generatedIds.size() <= 3);
        std::stop_source source;
        source.request_stop();
        QVERIFY_THROWS_EXCEPTION(CancelledError, m_engine.generate(prompt, o, nullptr, source.get_token()));
    }

    void badRequests()
    {
        GenerateOptions o;
        QVERIFY_THROWS_EXCEPTION(UsageError, m_engine.generate(std::vector<int32_t>{}, o));
        QVERIFY_THROWS_EXCEPTION(UsageError, m_engine.generate(std::vector<int32_t>{1, 100000}, o));
        LoadOptions cuda;
        cuda.device = Device::Cuda;
        Engine other;
        if (!Engine::cudaAvailable())
            QVERIFY_THROWS_EXCEPTION(UsageError, other.load(m_path, cuda));
        QVERIFY_THROWS_EXCEPTION(LoadError, other.load(m_dir.filePath(QStringLiteral("nope")).toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestDecoderProperties)
#include "tst_decoder_properties.moc"
