#pragma once
// A trainable Llama-architecture model for the bundled demo checkpoint (resources/demo_model).
// Parameters are registered under their Hugging Face names, so named_parameters() are the
// safetensors keys HeadScope's own loader expects. Training-only code: inference always goes
// through the shared decoder in core/engine/model/.
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace headscope::demo {

struct TinyLlamaShape {
    int64_t vocab = 0;
    int64_t hidden = 256;
    int64_t layers = 4;
    int64_t heads = 8;
    int64_t kvHeads = 2;
    int64_t intermediate = 768;
    double ropeTheta = 10000.0;
    double rmsNormEps = 1e-5;
    int64_t headDim() const { return hidden / heads; }
};

class TinyLlamaImpl : public torch::nn::Module {
public:
    explicit TinyLlamaImpl(const TinyLlamaShape& shape, uint64_t seed);

    // ids [batch, seq] int64 → logits [batch, seq, vocab] (tied embeddings). With `attention`,
    // each layer's attention probabilities [batch, heads, seq, seq] are appended to it (part of
    // the autograd graph, so a loss on them trains the heads).
    // With `headOutputs`, each layer's per-head attention outputs before o_proj
    // [batch, seq, heads * head_dim] are appended likewise.
    torch::Tensor forward(const torch::Tensor& ids, std::vector<torch::Tensor>* attention = nullptr,
                          std::vector<torch::Tensor>* headOutputs = nullptr);

    // What head `head` of `layer` writes into the residual stream, from its slice of
    // headOutputs: [..., head_dim] → [..., hidden] through its columns of o_proj.
    torch::Tensor projectHeadOutput(int64_t layer, int64_t head, const torch::Tensor& headSlice) const;
    const torch::Tensor& embedding() const { return m_embed; }

    const TinyLlamaShape& shape() const { return m_shape; }
    // (HF name, tensor) of every weight, in registration order.
    const std::vector<std::pair<std::string, torch::Tensor>>& namedWeights() const { return m_named; }

private:
    struct Layer {
        torch::Tensor inputNorm, q, k, v, o, postNorm, gate, up, down; // HF layouts [out, in]
    };
    torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& w) const;
    torch::Tensor applyRope(const torch::Tensor& x) const; // x [batch, heads, seq, head_dim]
    // torch::nn parameter names may not contain dots, so HF names are kept here and the
    // module registers a dot-free spelling.
    torch::Tensor addWeight(const std::string& hfName, torch::Tensor init);

    TinyLlamaShape m_shape;
    torch::Tensor m_embed;     // [vocab, hidden]
    torch::Tensor m_finalNorm; // [hidden]
    std::vector<Layer> m_layers;
    std::vector<std::pair<std::string, torch::Tensor>> m_named;
    mutable torch::Tensor m_cos, m_sin; // [max_seq, head_dim], grown on demand
};

} // namespace headscope::demo
