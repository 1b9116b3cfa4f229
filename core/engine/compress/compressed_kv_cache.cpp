#include "compressed_kv_cache.h"

#include "varlen_attention.h"

#include "headscope/core/errors.h"

#include <algorithm>

namespace headscope::compress {

CompressedKvCache::CompressedKvCache(const std::vector<StoredHead>& heads, int64_t room, int64_t logicalLength,
                                     int64_t kvHeads, int64_t slidingWindow)
    : m_logicalLength(logicalLength), m_kvHeads(kvHeads), m_slidingWindow(slidingWindow)
{
    if (heads.empty())
        throw UsageError("compressed cache: no stored heads");
    const int64_t d = heads.front().keys.size(1);
    int64_t rows = 0;
    for (const StoredHead& h : heads) {
        const int64_t kept = h.keys.size(0);
        // A local layer's head never needs more rows than its window: older ones get reused.
        const int64_t headRoom = slidingWindow > 0 ? std::min(room, std::max<int64_t>(0, slidingWindow - kept)) : room;
        m_offsets.push_back(rows);
        m_lengths.push_back(kept);
        m_capacity.push_back(kept + headRoom);
        rows += kept + headRoom;
    }
    const auto& like = heads.front().keys;
    m_k = at::empty({rows, d}, like.options());
    m_v = at::empty({rows, d}, like.options());
    m_positions = at::full({rows}, -1, like.options().dtype(at::kLong));
    for (std::size_t s = 0; s < heads.size(); ++s) {
        const int64_t n = m_lengths[s];
        m_k.narrow(0, m_offsets[s], n).copy_(heads[s].keys);
        m_v.narrow(0, m_offsets[s], n).copy_(heads[s].values);
        m_positions.narrow(0, m_offsets[s], n).copy_(heads[s].positions);
    }
    std::vector<int64_t> next(heads.size());
    for (std::size_t s = 0; s < heads.size(); ++s)
        next[s] = m_offsets[s] + m_lengths[s];
    m_nextRow = at::tensor(next, at::kLong).to(like.device());
    if (slidingWindow > 0) {
        auto host = m_positions.to(at::kCPU).contiguous();
        m_hostPositions.assign(host.data_ptr<int64_t>(), host.data_ptr<int64_t>() + host.numel());
    }
}

void CompressedKvCache::append(const at::Tensor& k, const at::Tensor& v)
{
    if (k.size(1) != 1)
        throw UsageError("compressed cache: only single-token decode appends are supported, got " +
                         std::to_string(k.size(1)) + " positions (prefill runs on the full cache)");
    const int64_t stored = storedHeads();
    auto newK = k.select(1, 0), newV = v.select(1, 0); // [KV, d]
    if (stored != m_kvHeads) {                          // query-head layout: every query head gets its KV head's row
        newK = newK.repeat_interleave(stored / m_kvHeads, 0);
        newV = newV.repeat_interleave(stored / m_kvHeads, 0);
    }
    if (m_slidingWindow > 0) {
        appendLocal(newK, newV);
        return;
    }
    for (std::size_t s = 0; s < m_lengths.size(); ++s)
        if (m_lengths[s] >= m_capacity[s])
            throw UsageError("compressed cache: decode room exhausted for stored head " + std::to_string(s) +
                             " (" + std::to_string(m_capacity[s]) + " rows)");
    m_k.index_copy_(0, m_nextRow, newK);
    m_v.index_copy_(0, m_nextRow, newV);
    m_positions.index_fill_(0, m_nextRow, m_logicalLength);
    m_nextRow.add_(1);
    for (auto& n : m_lengths)
        ++n;
    ++m_logicalLength;
}

void CompressedKvCache::appendLocal(const at::Tensor& newK, const at::Tensor& newV)
{
    // The new token at position P is seen by queries P .. P + W − 1; a row at a position below
    // P − W + 1 is seen by none of them any more, so it can take the new token once the head is full.
    const int64_t position = m_logicalLength, oldestVisible = position - m_slidingWindow + 1;
    std::vector<int64_t> target(m_lengths.size());
    for (std::size_t s = 0; s < m_lengths.size(); ++s) {
        const int64_t begin = m_offsets[s], n = m_lengths[s];
        if (n < m_capacity[s]) {
            target[s] = begin + n;
            ++m_lengths[s];
            continue;
        }
        int64_t row = -1;
        for (int64_t r = begin; r < begin + n && row < 0; ++r)
            if (m_hostPositions[static_cast<std::size_t>(r)] < oldestVisible)
                row = r;
        if (row < 0)
            throw UsageError("compressed cache: stored head " + std::to_string(s) + " of a local layer holds " +
                             std::to_string(n) + " visible rows, more than its window " + std::to_string(m_slidingWindow));
        target[s] = row;
    }
    auto rows = at::tensor(target, at::kLong).to(m_k.device());
    m_k.index_copy_(0, rows, newK);
    m_v.index_copy_(0, rows, newV);
    m_positions.index_fill_(0, rows, position);
    for (int64_t r : target)
        m_hostPositions[static_cast<std::size_t>(r)] = position;
    ++m_logicalLength;
}

at::Tensor CompressedKvCache::attendDecode(const at::Tensor& q, const model::AttentionParams& params, at::Tensor* rows)
{
    const int64_t firstVisible =
        params.slidingWindow > 0 ? std::max<int64_t>(0, m_logicalLength - params.slidingWindow) : 0;
    return varlenDecodeAttention(q, m_k, m_v, m_positions, VarlenSegments{m_offsets, m_lengths}, params.scale,
                                 firstVisible, m_logicalLength, rows, params.softcap);
}

int64_t CompressedKvCache::storedBytes() const
{
    int64_t rows = 0;
    for (int64_t n : m_lengths)
        rows += n;
    return 2 * rows * m_k.size(1) * static_cast<int64_t>(m_k.element_size());
}

at::Tensor CompressedKvCache::headPositions(int64_t s) const
{
    return m_positions.narrow(0, m_offsets[static_cast<std::size_t>(s)], headLength(s));
}

at::Tensor CompressedKvCache::headKeys(int64_t s) const
{
    return m_k.narrow(0, m_offsets[static_cast<std::size_t>(s)], headLength(s));
}

at::Tensor CompressedKvCache::headValues(int64_t s) const
{
    return m_v.narrow(0, m_offsets[static_cast<std::size_t>(s)], headLength(s));
}

} // namespace headscope::compress
