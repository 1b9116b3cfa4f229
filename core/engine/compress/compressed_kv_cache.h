#pragma once
// CompressedKvCache: a layer's K/V after SnapKV-style selection, stored without padding.
//
// Layout (the CPU analogue of HeadKV's DynamicCacheSplitHeadFlatten, docs/algorithms.md §4B): K and
// V are flat [Σ_s (kept_s + room), d]; stored head s owns the rows from offsets[s], its first
// lengths[s] in use. `room` rows per head are reserved at construction for the tokens decode
// will append, so a step writes S rows in place and never reallocates or moves the cache.
// Stored heads are KV heads (GQA-native) or query heads (HeadKV layout).
#include "model/layer_kv_cache.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace headscope::compress {

struct StoredHead {
    at::Tensor keys;      // [kept, d], RoPE applied
    at::Tensor values;    // [kept, d]
    at::Tensor positions; // [kept] int64, absolute prompt positions, in stored order
};

class CompressedKvCache final : public model::LayerKvCache {
public:
    // `logicalLength` is the prompt length (the position the next token takes); `kvHeads` the
    // model's KV heads, so appends can tell whether a stored head is a KV or a query head.
    // `slidingWindow` > 0 (a local layer): a head never holds more than the window; once it
    // is full, a decode append overwrites a row its query can no longer see.
    CompressedKvCache(const std::vector<StoredHead>& heads, int64_t room, int64_t logicalLength, int64_t kvHeads,
                      int64_t slidingWindow = 0);

    void append(const at::Tensor& k, const at::Tensor& v) override; // k, v [KV, 1, d]
    at::Tensor attendDecode(const at::Tensor& q, const model::AttentionParams& params, at::Tensor* rows) override;
    int64_t length() const override { return m_logicalLength; }
    int64_t storedBytes() const override; // rows in use × d × 2 × element size

    int64_t storedHeads() const { return static_cast<int64_t>(m_offsets.size()); }
    int64_t headLength(int64_t s) const { return m_lengths[static_cast<std::size_t>(s)]; }
    // Absolute positions held by stored head s, in stored order: [headLength(s)] int64.
    at::Tensor headPositions(int64_t s) const;
    at::Tensor headKeys(int64_t s) const;   // [headLength(s), d]
    at::Tensor headValues(int64_t s) const; // [headLength(s), d]

private:
    void appendLocal(const at::Tensor& newK, const at::Tensor& newV); // newK, newV [S, d]

    at::Tensor m_k, m_v;          // [Σ (kept + room), d]
    at::Tensor m_positions;       // [Σ (kept + room)] int64
    std::vector<int64_t> m_offsets, m_lengths, m_capacity; // [S]
    at::Tensor m_nextRow;         // [S] int64: offsets + lengths, where the next append goes
    int64_t m_logicalLength = 0;
    int64_t m_kvHeads = 0;
    int64_t m_slidingWindow = 0;
    std::vector<int64_t> m_hostPositions; // local layers only: m_positions on the host, to pick rows to reuse
};

} // namespace headscope::compress
