#pragma once
// Tiny random checkpoints in HF layout for engine tests, one per architecture variant.
#include "headscope/core/checkpoint.h"

#include <QString>
#include <QTest>

#include <string>
#include <vector>

struct TinyModelCase {
    const char* name;
    headscope::TestModelSpec spec;
};

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
    return cases;
}

inline std::vector<int32_t> testPrompt(int n = 12, int vocab = 97)
{
    std::vector<int32_t> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back((i * 37 + 11) % vocab);
    return ids;
}
