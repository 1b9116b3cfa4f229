#pragma once
// The one decoder of every supported family (Llama, Mistral, Qwen2/3, Gemma 2/3, Phi-3):
//   embed (× multiplier) → per layer [RMSNorm → q/k/v (optional bias) → q/k norm (optional)
//   → RoPE (the layer's base and scaling, partial rotary) → grouped-query attention (the
//   layer's scale, soft-cap and sliding window) → o_proj → norm (optional) → residual →
//   RMSNorm → SwiGLU or GeGLU MLP → norm (optional) → residual] → RMSNorm → lm_head → soft-cap
//   (optional).
// Every "optional" and every choice is data in ModelConfig and ModelWeights; nothing here asks
// which family it runs (docs/architectures.md).
//
// Dimension names used in shape comments:
//   n        positions processed in this call      T   keys visible (cache length)
//   hidden   ModelConfig::hiddenSize              H   query heads, KV key/value heads
//   d        head_dim                              G   H / KV (query heads per KV head)
#include "attention.h"
#include "layer_kv_cache.h"
#include "model_weights.h"
#include "rope.h"

#include "headscope/core/forward_observer.h"
#include "headscope/core/model_config.h"

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace headscope::model {

// What the caller wants reported for the last position of a pass.
struct ScoredQuery {
    ForwardObserver* observer = nullptr;
    std::vector<bool> wanted; // indexed by HookPoint; empty = nothing
    int step = 0;
    std::optional<std::pair<int64_t, int64_t>> span; // ForwardObserver::attributionSpan()
    bool wants(HookPoint p) const { return observer && !wanted.empty() && wanted[static_cast<std::size_t>(p)]; }
};

// Query heads whose attention output is zeroed, per layer: [layers][masked query heads].
using HeadMask = std::vector<std::vector<int>>;

// What a pass reports and what it changes; both empty by default (no observer, no cost).
struct ForwardHooks {
    ScoredQuery scored;
    const HeadMask* masked = nullptr; // null or [layers] lists
};

// The last `size` queries of each layer of a prefill call (RoPE applied), for SnapKV-style
// observation-window scores: queries[layer] is [H, min(size, n), d].
struct WindowCapture {
    int64_t size = 0;
    std::vector<at::Tensor> queries;
};

struct PrefillOptions {
    int64_t queryBlock = 256;         // queries per block of prefill attention
    // The length of the whole sequence this (possibly chunked) prefill belongs to: longrope
    // picks its factor table by it, as transformers does for one forward over the prompt.
    // 0: start + n.
    int64_t sequenceLength = 0;
    bool allPositions = false;        // return [n, hidden] instead of the last position's [1, hidden]
    WindowCapture* capture = nullptr; // keep each layer's last capture->size queries
};

class Decoder {
public:
    Decoder(const ModelConfig& config, ModelWeights weights, const at::Device& device);

    const ModelConfig& config() const { return m_config; }
    const ModelWeights& weights() const { return m_weights; }

    // New empty full caches for `capacity` positions, one per layer.
    FullCaches makeCaches(int64_t capacity) const;

    // Prefill: positions [caches.length(), + n) of ids [n] through every layer, appending
    // K/V to the full caches. Prefill attention is query-blocked (attention.h). Returns the
    // final hidden state of the last position [1, hidden], or of all positions [n, hidden].
    // The scored query, if any, is the last position.
    at::Tensor prefill(const at::Tensor& ids, FullCaches& caches, const ForwardHooks& hooks,
                       const PrefillOptions& options) const;

    // Decode: one token id [1] through every layer over any caches (full or compressed);
    // returns its final hidden state [1, hidden]. The scored query is this token.
    at::Tensor decode(const at::Tensor& id, LayerCaches& caches, const ForwardHooks& hooks) const;

    // Final norm + lm_head: hidden [n, hidden] → logits float32 [n, vocab].
    at::Tensor logits(const at::Tensor& hidden, const ScoredQuery& scored) const;

    // Reports TokenReadout for the chosen `token` of the last position of hidden [n, hidden]
    // (docs/algorithms.md §1G); nothing unless wanted.
    void reportTokenReadout(const at::Tensor& hidden, int32_t token, const ScoredQuery& scored) const;

    // The attention parameters of layer `layer` (scale, sliding window, soft-cap).
    AttentionParams attentionParams(int64_t layer) const;

    // Whether RoPE uses longrope's long factors for a sequence of this length. A generation
    // whose sequence crosses the switch must re-prefill everything (transformers drops its
    // cache there too): keys cached with one table are wrong under the other.
    bool longRopeFactors(int64_t sequenceLength) const;

private:
    // Attends one layer's new queries q [H, n, d] with its new k, v [KV, n, d] (RoPE applied):
    // appends k, v to the layer's cache and returns the attention output [H, n, d]. When
    // `row` is non-null it receives the last query's softmax row, float32 [H, keys]; when
    // `spanOut` is non-null too, the part of the last query's output from the scored span's
    // keys, float32 [H, d] (left undefined where the cache cannot tell).
    using Attend = std::function<at::Tensor(int64_t layer, const at::Tensor& q, const at::Tensor& k,
                                            const at::Tensor& v, at::Tensor* row, at::Tensor* spanOut)>;
    // The layer stack shared by prefill and decode; they differ only in `attend`.
    at::Tensor runLayers(const at::Tensor& ids, int64_t start, const ForwardHooks& hooks, const Attend& attend,
                         WindowCapture* capture, bool allPositions, bool longFactors) const;
    // RMSNorm over the last dim, w · x̂ or (1 + w) · x̂ per ModelConfig::normStyle.
    at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight) const;
    // What that norm multiplies one position x [1, hidden] by, with its RMS held fixed: the
    // gain (w or 1 + w) ÷ rms(x), float32 [hidden]. The write-aware hooks read residual writes
    // through it (docs/algorithms.md §1G).
    at::Tensor normScale(const at::Tensor& x, const at::Tensor& weight) const;
    const Rope& ropeFor(int64_t layer) const;

    ModelConfig m_config;
    ModelWeights m_weights;
    Rope m_rope;                       // full-attention layers (every layer unless localRope)
    std::optional<Rope> m_localRope;   // sliding layers' own base (Gemma 3)
    at::Device m_device;
    double m_scale;
};

} // namespace headscope::model
