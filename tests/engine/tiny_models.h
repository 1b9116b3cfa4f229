#pragma once
// Tiny random checkpoints in HF layout for engine tests, one per architecture variant. Cases
// 0 and 1 are Llama (other tests pick them by index).
#include "headscope/core/checkpoint.h"

#include <QString>
#include <QTest>

#include <string>
#include <vector>

struct TinyModelCase {
    const char* name;
    headscope::TestModelSpec spec;
};

// Longrope tables for rotaryDim dims: short factors near 1, long ones up to 4, switching once
// the sequence passes `original` positions.
inline headscope::RopeScaling testLongRope(int64_t rotaryDim, int64_t original)
{
    headscope::RopeScaling s;
    s.type = headscope::RopeScalingType::LongRope;
    s.originalMaxPositionEmbeddings = original;
    const int64_t half = rotaryDim / 2;
    for (int64_t i = 0; i < half; ++i) {
        const double t = static_cast<double>(i) / static_cast<double>(half - 1);
        s.shortFactor.push_back(1.0 + 0.25 * t);
        s.longFactor.push_back(1.0 + 3.0 * t);
    }
    return s;
}

inline std::vector<TinyModelCase> tinyModelCases()
{
    using namespace headscope;
    std::vector<TinyModelCase> cases;
    auto base = [](Architecture a, uint64_t seed) {
        TestModelSpec s;
        s.architecture = a;
        s.layers = 2;
        s.hidden = 64;
        s.heads = 4;
        s.kvHeads = 2;
        s.intermediate = 96;
        s.vocab = 97;
        s.seed = seed;
        return s;
    };
    cases.push_back({"llama gqa", base(Architecture::Llama, 1)});
    auto mha = base(Architecture::Llama, 2);
    mha.kvHeads = 4;
    cases.push_back({"llama mha", mha});
    auto tied = base(Architecture::Llama, 3);
    tied.tieEmbeddings = true;
    tied.ropeScaling.type = RopeScalingType::Llama3;
    tied.ropeScaling.factor = 8.0;
    tied.ropeScaling.originalMaxPositionEmbeddings = 64;
    tied.ropeTheta = 500000.0;
    cases.push_back({"llama tied llama3-rope", tied});
    auto linear = base(Architecture::Llama, 4);
    linear.ropeScaling.type = RopeScalingType::Linear;
    linear.ropeScaling.factor = 2.0;
    linear.heads = 8;
    linear.kvHeads = 1;
    cases.push_back({"llama linear-rope mqa", linear});
    auto mistral = base(Architecture::Mistral, 5);
    mistral.slidingWindow = 5;
    cases.push_back({"mistral sliding-window", mistral});
    auto qwen = base(Architecture::Qwen2, 6);
    qwen.tieEmbeddings = true;
    cases.push_back({"qwen2 bias tied", qwen});

    // Qwen3: q/k norm, head_dim 24 ≠ hidden / heads, tied; a second one with a sliding layer.
    auto qwen3 = base(Architecture::Qwen3, 7);
    qwen3.headDim = 24;
    qwen3.tieEmbeddings = true;
    qwen3.ropeTheta = 1e6;
    cases.push_back({"qwen3 qk-norm head-dim tied", qwen3});
    auto qwen3Sliding = base(Architecture::Qwen3, 8);
    qwen3Sliding.slidingWindow = 5;
    qwen3Sliding.layerTypes = {LayerType::Full, LayerType::Sliding};
    cases.push_back({"qwen3 sliding layer 1", qwen3Sliding});
    // Gemma 2: (1 + w) norms, sublayer-output norms, √hidden embeddings, query_pre_attn_scalar
    // 24 ≠ head_dim, soft-caps small enough to matter, layer 0 sliding (window 5), GeGLU, tied.
    auto gemma2 = base(Architecture::Gemma2, 9);
    gemma2.tieEmbeddings = true;
    gemma2.slidingWindow = 5;
    gemma2.attnLogitSoftcap = 4.0;
    gemma2.finalLogitSoftcap = 3.0;
    gemma2.queryPreAttnScalar = 24.0;
    cases.push_back({"gemma2 softcap sliding", gemma2});
    // Gemma 3: q/k norm (1 + w), local layers 0 and 2 with their own RoPE base, a global layer 1
    // with linear scaling on another base.
    auto gemma3 = base(Architecture::Gemma3, 10);
    gemma3.layers = 3;
    gemma3.tieEmbeddings = true;
    gemma3.slidingWindow = 5;
    gemma3.layerTypes = {LayerType::Sliding, LayerType::Full, LayerType::Sliding};
    gemma3.ropeTheta = 1e6;
    gemma3.localRopeTheta = 10000.0;
    gemma3.ropeScaling.type = RopeScalingType::Linear;
    gemma3.ropeScaling.factor = 4.0;
    cases.push_back({"gemma3 local rope", gemma3});
    // The text tower of a Gemma3ForConditionalGeneration checkpoint (vision tower skipped).
    auto gemma3mm = base(Architecture::Gemma3, 11);
    gemma3mm.multimodal = true;
    gemma3mm.tieEmbeddings = true;
    gemma3mm.slidingWindow = 6;
    cases.push_back({"gemma3 multimodal text tower", gemma3mm});
    // Phi-3: fused qkv / gate_up, partial rotary 0.5, longrope whose switch (8) a 12-token
    // prompt passes; and one whose switch (12) the first decode step crosses.
    auto phi3 = base(Architecture::Phi3, 12);
    phi3.partialRotaryFactor = 0.5;
    phi3.ropeScaling = testLongRope(8, 8);
    phi3.maxPositionEmbeddings = 256;
    cases.push_back({"phi3 fused partial longrope", phi3});
    auto phi3Switch = base(Architecture::Phi3, 13);
    phi3Switch.ropeScaling = testLongRope(16, 12);
    phi3Switch.maxPositionEmbeddings = 512;
    phi3Switch.slidingWindow = 7;
    cases.push_back({"phi3 longrope switch sliding", phi3Switch});
    return cases;
}

inline std::vector<int32_t> testPrompt(int n = 12, int vocab = 97)
{
    std::vector<int32_t> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back((i * 37 + 11) % vocab);
    return ids;
}
