#pragma once
// The one Llama-family decoder (Llama, Mistral, Qwen2): embed → per layer [RMSNorm → q/k/v
// (optional bias) → RoPE → grouped-query attention (optional sliding window) → o_proj →
// residual → RMSNorm → SwiGLU MLP → residual] → RMSNorm → lm_head.
//
// Dimension names used in shape comments:
//   n        positions processed in this call      T   keys visible (cache length)
//   hidden   ModelConfig::hiddenSize              H   query heads, KV key/value heads
//   d        head_dim                              G   H / KV (query heads per KV head)
#include "layer_kv_cache.h"
#include "model_weights.h"
#include "rope.h"

#include "headscope/core/forward_observer.h"
#include "headscope/core/model_config.h"

#include <ATen/ATen.h>

#include <memory>
#include <vector>

namespace headscope::model {

// What the caller wants reported for the last position of a forward() call.
struct ScoredQuery {
    ForwardObserver* observer = nullptr;
    std::vector<bool> wanted; // indexed by HookPoint; empty = nothing
    int step = 0;
    bool wants(HookPoint p) const { return observer && !wanted.empty() && wanted[static_cast<std::size_t>(p)]; }
};

// The last `size` queries of each layer of a prefill call (RoPE applied), for SnapKV-style
// observation-window scores: queries[layer] is [H, min(size, n), d].
struct WindowCapture {
    int64_t size = 0;
    std::vector<at::Tensor> queries;
};

class Decoder {
public:
    Decoder(const ModelConfig& config, ModelWeights weights, const at::Device& device);

    const ModelConfig& config() const { return m_config; }
    const ModelWeights& weights() const { return m_weights; }

    // New full caches for `capacity` positions, one per layer.
    std::vector<std::unique_ptr<LayerKvCache>> makeCaches(int64_t capacity) const;

    // Runs positions [caches.length(), + ids.size()) through every layer, appending K/V.
    // Prefill attention is query-blocked: at most `queryBlock` queries × T keys of scores
    // exist per head at any time. Returns final hidden states of the LAST position [hidden],
    // or of all positions [n, hidden] if allPositions. The scored query (if any) is the
    // last position. With a capture, each layer's last capture->size queries are kept.
    at::Tensor forward(const at::Tensor& ids, std::vector<std::unique_ptr<LayerKvCache>>& caches, int64_t queryBlock,
                       const ScoredQuery& scored, const std::vector<std::vector<int>>& maskedHeads,
                       bool allPositions = false, WindowCapture* capture = nullptr) const;

    // Final norm + lm_head: hidden [n, hidden] → logits float32 [n, vocab].
    at::Tensor logits(const at::Tensor& hidden, const ScoredQuery& scored) const;

private:
    at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight) const;
    // Attention of n new queries q [H, n, d] at positions [start, start+n) over keys
    // k, v [KV, T, d]; returns [H, n, d]. Blocks of at most `queryBlock` queries.
    at::Tensor blockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                                int64_t queryBlock) const;
    // Softmax row of one query q [H, d] at position `pos` over k [KV, pos+1, d]: float32 [H, pos+1].
    at::Tensor attentionRow(const at::Tensor& q, const at::Tensor& k, int64_t pos) const;

    ModelConfig m_config;
    ModelWeights m_weights;
    Rope m_rope;
    at::Device m_device;
    double m_scale;
};

} // namespace headscope::model
