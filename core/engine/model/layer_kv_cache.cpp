#include "layer_kv_cache.h"

#include "headscope/core/errors.h"

namespace headscope::model {

FullKvCache::FullKvCache(int64_t kvHeads, int64_t capacity, int64_t headDim, const at::TensorOptions& options,
                         int64_t slidingWindow)
    : m_k(at::empty({kvHeads, capacity, headDim}, options)),
      m_v(at::empty({kvHeads, capacity, headDim}, options)),
      m_slidingWindow(slidingWindow)
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

at::Tensor FullKvCache::attendDecode(const at::Tensor& q, double scale, at::Tensor* rows)
{
    const int64_t heads = q.size(0), d = q.size(1), kvHeads = m_k.size(0), group = heads / kvHeads;
    // A sliding window hides keys older than `window` positions from the query at length-1.
    const int64_t first = m_slidingWindow > 0 ? std::max<int64_t>(0, m_length - m_slidingWindow) : 0;
    auto k = m_k.narrow(1, first, m_length - first);                                // [kv, T, d]
    auto v = m_v.narrow(1, first, m_length - first);
    auto qg = q.view({kvHeads, group, d});                                          // [kv, G, d]
    auto scores = at::matmul(qg, k.transpose(1, 2)).to(at::kFloat).mul_(scale);    // [kv, G, T]
    auto probs = at::softmax(scores, -1);                                           // [kv, G, T] f32
    auto out = at::matmul(probs.to(v.scalar_type()), v);                            // [kv, G, d]
    if (rows) {
        auto full = probs.view({heads, m_length - first});
        if (first > 0) {
            *rows = at::zeros({heads, m_length}, probs.options());
            rows->narrow(1, first, m_length - first).copy_(full);
        } else {
            *rows = full;
        }
    }
    return out.view({heads, d});
}

int64_t FullKvCache::storedBytes() const
{
    return 2 * m_k.size(0) * m_length * m_k.size(2) * static_cast<int64_t>(m_k.element_size());
}

} // namespace headscope::model
