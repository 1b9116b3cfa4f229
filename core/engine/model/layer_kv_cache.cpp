#include "layer_kv_cache.h"

#include "headscope/core/errors.h"

namespace headscope::model {

FullKvCache::FullKvCache(int64_t kvHeads, int64_t capacity, int64_t headDim, const at::TensorOptions& options)
    : m_k(at::empty({kvHeads, capacity, headDim}, options)),
      m_v(at::empty({kvHeads, capacity, headDim}, options))
{
}

void FullKvCache::append(const at::Tensor& k, const at::Tensor& v)
{
    const int64_t n = k.size(1);
    if (m_length + n > capacity())
        throw UsageError("KV cache full: capacity " + std::to_string(capacity()) + ", need " + std::to_string(m_length + n));
    m_k.narrow(1, m_length, n).copy_(k);
    m_v.narrow(1, m_length, n).copy_(v);
    m_length += n;
}

at::Tensor FullKvCache::attendDecode(const at::Tensor& q, const AttentionParams& params, at::Tensor* rows)
{
    return decodeAttention(q, keys(), values(), params, rows);
}

int64_t FullKvCache::storedBytes() const
{
    return 2 * m_k.size(0) * m_length * m_k.size(2) * static_cast<int64_t>(m_k.element_size());
}

LayerCaches decodeCaches(FullCaches caches)
{
    LayerCaches out;
    out.reserve(caches.size());
    for (FullKvCache& cache : caches)
        out.push_back(std::make_unique<FullKvCache>(std::move(cache)));
    return out;
}

} // namespace headscope::model
