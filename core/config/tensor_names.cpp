// HF tensor names from the per-architecture table, and the shapes a config implies. Families
// differ in which tensors exist (biases, q/k norms, sublayer-output norms, fused projections,
// lm_head) and where the decoder sits in the checkpoint; all of it is data in the table and in
// ModelConfig.
#include "headscope/core/checkpoint.h"

#include "arch/architecture_spec.h"

namespace headscope {

TensorNames tensorNamesFor(const ModelConfig& config)
{
    const arch::LayerTensorTable& t = arch::specFor(config).tensors;
    const std::string& root = config.weightPrefix;
    TensorNames names;
    names.embedTokens = root + "embed_tokens.weight";
    names.finalNorm = root + "norm.weight";
    names.lmHead = config.tieWordEmbeddings ? std::string() : config.lmHeadName;
    auto name = [](const std::string& prefix, const char* suffix) {
        return *suffix ? prefix + suffix : std::string();
    };
    for (int64_t i = 0; i < config.numLayers; ++i) {
        const std::string p = root + "layers." + std::to_string(i) + ".";
        LayerTensorNames l;
        l.inputNorm = name(p, t.inputNorm);
        l.qkvProj = name(p, t.qkvProj);
        if (l.qkvProj.empty()) {
            l.qProj = name(p, t.qProj);
            l.kProj = name(p, t.kProj);
            l.vProj = name(p, t.vProj);
        }
        l.oProj = name(p, t.oProj);
        if (config.attentionBias) {
            l.qBias = p + "self_attn.q_proj.bias";
            l.kBias = p + "self_attn.k_proj.bias";
            l.vBias = p + "self_attn.v_proj.bias";
        }
        if (config.qkNorm) {
            l.qNorm = name(p, t.qNorm);
            l.kNorm = name(p, t.kNorm);
        }
        if (config.sublayerOutputNorms) {
            l.attnOutNorm = name(p, t.attnOutNorm);
            l.mlpOutNorm = name(p, t.mlpOutNorm);
        }
        l.mlpInputNorm = name(p, t.mlpInputNorm);
        l.gateUpProj = name(p, t.gateUpProj);
        if (l.gateUpProj.empty()) {
            l.gateProj = name(p, t.gateProj);
            l.upProj = name(p, t.upProj);
        }
        l.downProj = name(p, t.downProj);
        names.layers.push_back(std::move(l));
    }
    return names;
}

std::vector<ExpectedTensor> expectedTensors(const ModelConfig& c)
{
    const TensorNames n = tensorNamesFor(c);
    const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
    const int64_t inter = c.intermediateSize;
    std::vector<ExpectedTensor> out;
    auto add = [&out](const std::string& name, std::vector<int64_t> shape) {
        if (!name.empty())
            out.push_back({name, std::move(shape)});
    };
    add(n.embedTokens, {c.vocabSize, h});
    for (const LayerTensorNames& l : n.layers) {
        add(l.inputNorm, {h});
        add(l.qkvProj, {q + 2 * kv, h});
        add(l.qProj, {q, h});
        add(l.kProj, {kv, h});
        add(l.vProj, {kv, h});
        add(l.qBias, {q});
        add(l.kBias, {kv});
        add(l.vBias, {kv});
        add(l.qNorm, {c.headDim});
        add(l.kNorm, {c.headDim});
        add(l.oProj, {h, q});
        add(l.attnOutNorm, {h});
        add(l.mlpInputNorm, {h});
        add(l.gateUpProj, {2 * inter, h});
        add(l.gateProj, {inter, h});
        add(l.upProj, {inter, h});
        add(l.downProj, {h, inter});
        add(l.mlpOutNorm, {h});
    }
    add(n.finalNorm, {h});
    add(n.lmHead, {c.vocabSize, h});
    return out;
}

} // namespace headscope
