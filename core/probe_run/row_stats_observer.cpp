#include "row_stats_observer.h"

#include "safetensors/half_precision.h"

#include <algorithm>

namespace headscope {

RowStatsObserver::RowStatsObserver(int layers, int heads, NeedleSpan span, int topK, bool onlyFirstStep,
                                   bool keepFullRows, bool writeScores)
    : m_layers(layers), m_heads(heads), m_span(span), m_topK(topK), m_onlyFirstStep(onlyFirstStep),
      m_keepFullRows(keepFullRows), m_current(static_cast<std::size_t>(layers * heads)), m_writeScores(writeScores),
      m_writes(layers, heads)
{
}

bool RowStatsObserver::wants(HookPoint point) const
{
    if (point == HookPoint::AttnPattern)
        return true;
    return m_writeScores && (point == HookPoint::HeadWrite || point == HookPoint::HeadWriteSpan ||
                             point == HookPoint::TokenReadout);
}

std::optional<std::pair<int64_t, int64_t>> RowStatsObserver::attributionSpan() const
{
    if (!m_writeScores)
        return std::nullopt;
    return std::make_pair(m_span.start, m_span.end);
}

void RowStatsObserver::onHook(const HookEvent& e)
{
    if (m_onlyFirstStep && e.step > 0)
        return;
    if (e.point == HookPoint::HeadWrite || e.point == HookPoint::HeadWriteSpan) {
        const int64_t hidden = e.shape.size() == 2 ? e.shape[1] : 0;
        if (e.point == HookPoint::HeadWrite)
            m_writes.addWrites(e.layer, e.values, hidden);
        else
            m_writes.addSpanWrites(e.layer, e.values, hidden);
        return;
    }
    if (e.point == HookPoint::TokenReadout) {
        if (m_writes.hasWrites())
            m_writes.finishStep(e.values, m_write, m_writeNeedle);
        return;
    }
    if (e.point != HookPoint::AttnPattern)
        return;
    const auto keys = static_cast<std::size_t>(e.shape[1]);
    // The retrieval-reasoning score needs the top-span-length keys, InfScore the top-K.
    const int k = std::max<int>(m_topK, static_cast<int>(m_span.length()));
    for (int h = 0; h < m_heads; ++h)
        m_current[static_cast<std::size_t>(e.layer * m_heads + h)] =
            reduceAttentionRow(e.values.subspan(static_cast<std::size_t>(h) * keys, keys), m_span, k);
    if (m_keepFullRows) {
        const std::size_t perLayer = static_cast<std::size_t>(m_heads) * keys;
        if (m_currentRows.rowLength != static_cast<int64_t>(keys)) {
            m_currentRows.rowLength = static_cast<int64_t>(keys);
            m_currentRows.f16.assign(static_cast<std::size_t>(m_layers) * perLayer, 0);
        }
        uint16_t* out = m_currentRows.f16.data() + static_cast<std::size_t>(e.layer) * perLayer;
        for (std::size_t i = 0; i < perLayer; ++i)
            out[i] = floatToF16(e.values[i]);
    }
}

void RowStatsObserver::onStepComplete(int step, int32_t token)
{
    if (m_onlyFirstStep && step > 0)
        return;
    m_steps.push_back({token, m_current, std::move(m_write), std::move(m_writeNeedle)});
    m_write.clear();
    m_writeNeedle.clear();
    if (m_keepFullRows) {
        m_currentRows.step = step;
        m_fullRows.push_back(std::move(m_currentRows));
        m_currentRows = {};
    }
}

} // namespace headscope
