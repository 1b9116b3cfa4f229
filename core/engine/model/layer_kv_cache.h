#pragma once
// The per-layer KV caches the decoder works against.
//
// Prefill always writes a FullKvCache (the concrete type: the decoder's prefill() takes them
// by value type, so nothing has to find out what a cache is). Decode runs over the
// LayerKvCache interface: a FullKvCache, or the CompressedKvCache (core/engine/compress/)
// that replaces it after prefill, with per-head variable-length segments.
#include "attention.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace headscope::model {

class LayerKvCache {
public:
    virtual ~LayerKvCache() = default;

    // Appends K and V of one decoded position: k, v [kv_heads, 1, head_dim] (RoPE applied to k).
    virtual void append(const at::Tensor& k, const at::Tensor& v) = 0;

    // Attention of one decode query q [heads, head_dim] over everything cached (the new
    // token's K/V already appended). Returns [heads, head_dim]. If `rows` is non-null it
    // receives the softmax rows, float32 [heads, keys].
    virtual at::Tensor attendDecode(const at::Tensor& q, const AttentionParams& params, at::Tensor* rows) = 0;

    virtual int64_t length() const = 0;       // positions seen (logical sequence length)
    virtual int64_t storedBytes() const = 0;  // bytes of K and V actually held

    // The part of the last decode query's output [heads, head_dim] (float32) that comes from the
    // logical positions [start, end), given that query's softmax `rows`; undefined when the
    // cache cannot tell (a compressed cache no longer holds every position).
    virtual at::Tensor spanOutput(const at::Tensor& rows, int64_t start, int64_t end) const
    {
        (void)rows, (void)start, (void)end;
        return {};
    }
};

// The decode-time caches of every layer. [layers]
using LayerCaches = std::vector<std::unique_ptr<LayerKvCache>>;

// K and V preallocated as [kv_heads, capacity, head_dim] for prompt + max_new_tokens; appends
// write in place, nothing grows token by token.
class FullKvCache final : public LayerKvCache {
public:
    FullKvCache(int64_t kvHeads, int64_t capacity, int64_t headDim, const at::TensorOptions& options);

    void append(const at::Tensor& k, const at::Tensor& v) override; // k, v [kv_heads, n, head_dim], any n
    at::Tensor attendDecode(const at::Tensor& q, const AttentionParams& params, at::Tensor* rows) override;
    int64_t length() const override { return m_length; }
    int64_t storedBytes() const override;
    at::Tensor spanOutput(const at::Tensor& rows, int64_t start, int64_t end) const override
    {
        return model::spanOutput(rows, values(), start, end);
    }

    // Views of the filled part: [kv_heads, length, head_dim].
    at::Tensor keys() const { return m_k.narrow(1, 0, m_length); }
    at::Tensor values() const { return m_v.narrow(1, 0, m_length); }
    int64_t capacity() const { return m_k.size(1); }

private:
    at::Tensor m_k, m_v; // [kv_heads, capacity, head_dim]
    int64_t m_length = 0;
};

// Full caches of every layer, as written by prefill. [layers]
using FullCaches = std::vector<FullKvCache>;

// Hands prefill's full caches to decode unchanged (the uncompressed path).
LayerCaches decodeCaches(FullCaches caches);

} // namespace headscope::model
