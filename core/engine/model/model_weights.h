#pragma once
// The decoder's weights as tensors on the target device and dtype, converted from the
// checkpoint's memory-mapped TensorViews. Shapes are the HF layouts: Linear weights are
// [out_features, in_features].
#include "headscope/core/checkpoint.h"

#include <ATen/ATen.h>

#include <vector>

namespace headscope::model {

// Fused checkpoint tensors (Phi-3 qkv_proj, gate_up_proj) are split into row views of one
// converted tensor, so q/k/v and gate/up look the same for every family. Optional tensors
// (biases, q/k norms, sublayer-output norms) are undefined when the family has none.
struct LayerWeights {
    at::Tensor inputNorm;          // [hidden]
    at::Tensor q, k, v, o;         // [heads*head_dim, hidden], [kv*head_dim, hidden] ×2, [hidden, heads*head_dim]
    at::Tensor qBias, kBias, vBias; // [heads*head_dim], [kv*head_dim] ×2
    at::Tensor qNorm, kNorm;       // [head_dim]
    at::Tensor attnOutNorm;        // [hidden], on the attention output
    at::Tensor postNorm;           // [hidden], the norm feeding the MLP
    at::Tensor mlpOutNorm;         // [hidden], on the MLP output
    at::Tensor gate, up, down;     // [intermediate, hidden] ×2, [hidden, intermediate]
};

struct ModelWeights {
    at::Tensor embed;     // [vocab, hidden]
    at::Tensor finalNorm; // [hidden]
    at::Tensor lmHead;    // [vocab, hidden]; the embedding table itself when tied
    std::vector<LayerWeights> layers;
    int64_t bytes = 0;
};

// Converts every tensor the config implies; `options` carries device and dtype.
ModelWeights loadWeights(const Checkpoint& checkpoint, const at::TensorOptions& options);

} // namespace headscope::model
