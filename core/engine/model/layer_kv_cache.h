#pragma once
// The per-layer KV cache contract the decoder works against.
//
// Full cache (FullKvCache below): K and V are preallocated as [kv_heads, capacity, head_dim]
// for prompt + max_new_tokens; appends write in place, nothing grows token by token.
// A compressed cache (core/compress/, issue 4) implements the same contract after prefill:
// per-head variable-length segments, and attendDecode() over each head's own segment.
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace headscope::model {

class LayerKvCache {
public:
    virtual ~LayerKvCache() = default;

    // Appends K and V of `n` new positions: k, v [kv_heads, n, head_dim] (RoPE applied to k).
    virtual void append(const at::Tensor& k, const at::Tensor& v) = 0;

    // Attention of one decode query q [heads, head_dim] over everything cached (the new
    // token's K/V already appended). Returns [heads, head_dim]. If `rows` is non-null it
    // receives the softmax rows, float32 [heads, keys].
    virtual at::Tensor attendDecode(const at::Tensor& q, double scale, at::Tensor* rows) = 0;

    virtual int64_t length() const = 0;       // positions seen (logical sequence length)
    virtual int64_t storedBytes() const = 0;  // bytes of K and V actually held
};

class FullKvCache final : public LayerKvCache {
public:
    FullKvCache(int64_t kvHeads, int64_t capacity, int64_t headDim, const at::TensorOptions& options,
                int64_t slidingWindow = 0);

    void append(const at::Tensor& k, const at::Tensor& v) override;
    at::Tensor attendDecode(const at::Tensor& q, double scale, at::Tensor* rows) override;
    int64_t length() const override { return m_length; }
    int64_t storedBytes() const override;

    // Views of the filled part: [kv_heads, length, head_dim].
    at::Tensor keys() const { return m_k.narrow(1, 0, m_length); }
    at::Tensor values() const { return m_v.narrow(1, 0, m_length); }
    int64_t capacity() const { return m_k.size(1); }

private:
    at::Tensor m_k, m_v; // [kv_heads, capacity, head_dim]
    int64_t m_length = 0;
    int64_t m_slidingWindow = 0; // 0 = none
};

} // namespace headscope::model
