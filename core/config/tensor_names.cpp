// The HF tensor-name table shared by the Llama family, and the shapes a config implies.
// Families differ only in which optional tensors exist (biases, lm_head), which is data in
// ModelConfig, so one table serves all three.
#include "headscope/core/checkpoint.h"

namespace headscope {

TensorNames tensorNamesFor(const ModelConfig& config)
{
    TensorNames names;
    names.embedTokens = "model.embed_tokens.weight";
    names.finalNorm = "model.norm.weight";
    names.lmHead = config.tieWordEmbeddings ? std::string() : std::string("lm_head.weight");
    for (int64_t i = 0; i < config.numLayers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        LayerTensorNames l;
        l.inputNorm = p + "input_layernorm.weight";
        l.qProj = p + "self_attn.q_proj.weight";
        l.kProj = p + "self_attn.k_proj.weight";
        l.vProj = p + "self_attn.v_proj.weight";
        l.oProj = p + "self_attn.o_proj.weight";
        if (config.attentionBias) {
            l.qBias = p + "self_attn.q_proj.bias";
            l.kBias = p + "self_attn.k_proj.bias";
            l.vBias = p + "self_attn.v_proj.bias";
        }
        l.postAttentionNorm = p + "post_attention_layernorm.weight";
        l.gateProj = p + "mlp.gate_proj.weight";
        l.upProj = p + "mlp.up_proj.weight";
        l.downProj = p + "mlp.down_proj.weight";
        names.layers.push_back(std::move(l));
    }
    return names;
}

std::vector<ExpectedTensor> expectedTensors(const ModelConfig& c)
{
    const TensorNames n = tensorNamesFor(c);
    const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
    std::vector<ExpectedTensor> out;
    out.push_back({n.embedTokens, {c.vocabSize, h}});
    for (const LayerTensorNames& l : n.layers) {
        out.push_back({l.inputNorm, {h}});
        out.push_back({l.qProj, {q, h}});
        out.push_back({l.kProj, {kv, h}});
        out.push_back({l.vProj, {kv, h}});
        if (!l.qBias.empty()) {
            out.push_back({l.qBias, {q}});
            out.push_back({l.kBias, {kv}});
            out.push_back({l.vBias, {kv}});
        }
        out.push_back({l.oProj, {h, q}});
        out.push_back({l.postAttentionNorm, {h}});
        out.push_back({l.gateProj, {c.intermediateSize, h}});
        out.push_back({l.upProj, {c.intermediateSize, h}});
        out.push_back({l.downProj, {h, c.intermediateSize}});
    }
    out.push_back({n.finalNorm, {h}});
    if (!n.lmHead.empty())
        out.push_back({n.lmHead, {c.vocabSize, h}});
    return out;
}

} // namespace headscope
