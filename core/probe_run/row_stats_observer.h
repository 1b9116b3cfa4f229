#pragma once
// The probe's observer: reduces every attention row the engine reports to RowStats at once
// and groups them by step, so memory stays O(steps × layers × heads × K).
#include "headscope/core/forward_observer.h"
#include "headscope/core/session.h"

#include <vector>

namespace headscope {

class RowStatsObserver final : public ForwardObserver {
public:
    // keepFullRows: also keep every scored row whole, as float16 (for tests the user chose;
    // costs steps × layers × heads × row length × 2 bytes).
    RowStatsObserver(int layers, int heads, NeedleSpan span, int topK, bool onlyFirstStep, bool keepFullRows = false);

    bool wants(HookPoint point) const override { return point == HookPoint::AttnPattern; }
    void onHook(const HookEvent& event) override;
    void onStepComplete(int step, int32_t token) override;

    std::vector<StoredStep>& steps() { return m_steps; }
    std::vector<FullAttentionRows>& fullRows() { return m_fullRows; }

private:
    int m_layers, m_heads;
    NeedleSpan m_span;
    int m_topK;
    bool m_onlyFirstStep;
    bool m_keepFullRows;
    FullAttentionRows m_currentRows;           // [layers, heads, row length] of the step in flight
    std::vector<FullAttentionRows> m_fullRows;
    std::vector<RowStats> m_current; // [layers, heads] of the step in flight
    std::vector<StoredStep> m_steps;
};

} // namespace headscope
