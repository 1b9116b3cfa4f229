#pragma once
// FakeGenerator: a scripted headscope::Generator for testing the torch-free orchestration (probe
// runner, comparisons, budget sweep) without a model or LibTorch. A script says which token the
// "model" prefers at each step of each call; the fake applies the Generator contract around it
// as the Engine does — at most maxNewTokens steps, a stop token ends the run (and is kept),
// teacher forcing runs forcedTokens.size() steps ignoring stops, keepLogProbs gives one
// log-softmax row per step peaked at the preferred token — and feeds an observer scripted
// attention rows. Every call is recorded with a copy of its options.
#include "headscope/core/errors.h"
#include "headscope/core/forward_observer.h"
#include "headscope/core/generator.h"
#include "headscope/core/model_config.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace headscope::testing {

class FakeGenerator : public Generator {
public:
    struct Call {
        std::vector<int32_t> prompt;
        GenerateOptions options;
    };
    // The token the model prefers at `step` of `call` (teacher-forced calls: its own top-1 given
    // the forced prefix).
    using Script = std::function<int32_t(const Call& call, int step)>;
    // One attention row over `keys` keys (a softmax row) for (layer, head) at `step`.
    using Rows = std::function<std::vector<float>(const Call& call, int layer, int head, int step, int64_t keys)>;
    // What a compressed call reports as kept per [layer][stored head] (compressed calls only).
    using Kept = std::function<std::vector<std::vector<std::vector<int32_t>>>(const Call& call)>;

    FakeGenerator(ModelConfig config, Script script) : m_config(std::move(config)), m_script(std::move(script)) {}

    void setRows(Rows rows) { m_rows = std::move(rows); }
    void setKept(Kept kept) { m_kept = std::move(kept); }
    // Called before every step; may request a stop through the source it was given.
    void setBeforeStep(std::function<void(const Call&, int step)> hook) { m_beforeStep = std::move(hook); }

    const std::vector<Call>& calls() const { return m_calls; }
    const ModelConfig& config() const override { return m_config; }
    GeneratorIdentity identity() const override { return {{}, "cpu", "f32"}; }

    // The log-softmax row the fake reports for a preferred token: 0.9 on it, the rest shared.
    std::vector<float> logProbs(int32_t preferred) const
    {
        const auto vocab = static_cast<std::size_t>(m_config.vocabSize);
        std::vector<float> row(vocab, static_cast<float>(std::log(0.1 / static_cast<double>(vocab - 1))));
        row[static_cast<std::size_t>(preferred)] = static_cast<float>(std::log(0.9));
        return row;
    }

    GenerateResult generate(std::span<const int32_t> promptIds, const GenerateOptions& options,
                            ForwardObserver* observer, std::stop_token stop) override
    {
        m_calls.push_back({{promptIds.begin(), promptIds.end()}, options});
        const Call& call = m_calls.back();
        GenerateResult r;
        r.promptIds = call.prompt;
        r.kvBytes = 1000 + static_cast<int64_t>(promptIds.size());
        if (options.compression && m_kept)
            r.keptPositions = m_kept(call);
        const bool forced = !options.forcedTokens.empty();
        const int steps = forced ? std::min<int>(options.maxNewTokens, static_cast<int>(options.forcedTokens.size()))
                                 : options.maxNewTokens;
        const bool rows = observer && observer->wants(HookPoint::AttnPattern) && m_rows;
        for (int step = 0; step < steps; ++step) {
            if (m_beforeStep)
                m_beforeStep(call, step);
            if (stop.stop_requested())
                throw CancelledError();
            if (rows)
                emitRows(call, *observer, step, static_cast<int64_t>(promptIds.size()) + step);
            const int32_t token = m_script(call, step);
            r.generatedIds.push_back(token);
            if (options.keepLogProbs)
                r.stepLogProbs.push_back(logProbs(token));
            if (observer)
                observer->onStepComplete(step, token);
            if (!forced && isStop(options, token)) {
                r.stoppedOnToken = true;
                break;
            }
        }
        return r;
    }

private:
    bool isStop(const GenerateOptions& o, int32_t token) const
    {
        if (std::find(o.stopTokens.begin(), o.stopTokens.end(), token) != o.stopTokens.end())
            return true;
        return o.stopAtEos &&
               std::find(m_config.eosTokenIds.begin(), m_config.eosTokenIds.end(), token) != m_config.eosTokenIds.end();
    }

    void emitRows(const Call& call, ForwardObserver& observer, int step, int64_t keys)
    {
        const int heads = static_cast<int>(m_config.numHeads);
        for (int layer = 0; layer < static_cast<int>(m_config.numLayers); ++layer) {
            std::vector<float> values;
            for (int head = 0; head < heads; ++head) {
                const std::vector<float> row = m_rows(call, layer, head, step, keys);
                if (static_cast<int64_t>(row.size()) != keys)
                    throw UsageError("FakeGenerator: a row must have one weight per key");
                values.insert(values.end(), row.begin(), row.end());
            }
            const int64_t shape[] = {heads, keys};
            HookEvent e;
            e.point = HookPoint::AttnPattern;
            e.layer = layer;
            e.step = step;
            e.queryPosition = keys - 1;
            e.shape = shape;
            e.values = values;
            observer.onHook(e);
        }
    }

    ModelConfig m_config;
    Script m_script;
    Rows m_rows;
    Kept m_kept;
    std::function<void(const Call&, int)> m_beforeStep;
    std::vector<Call> m_calls;
};

// A small model shape for fakes: `layers` × `heads` query heads, one KV head, the byte
// tokenizer's vocabulary (256 bytes + BOS 256 + EOS 257).
inline ModelConfig fakeModelConfig(int layers = 2, int heads = 2)
{
    ModelConfig c;
    c.numLayers = layers;
    c.numHeads = heads;
    c.numKvHeads = 1;
    c.headDim = 4;
    c.hiddenSize = 4 * heads;
    c.vocabSize = 258;
    c.bosTokenId = 256;
    c.eosTokenIds = {257};
    return c;
}

} // namespace headscope::testing
