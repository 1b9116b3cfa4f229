#pragma once
// The probe's observer: reduces every attention row the engine reports to RowStats at once
// and groups them by step, so memory stays O(steps × layers × heads × K).
#include "headscope/core/forward_observer.h"
#include "headscope/core/session.h"

#include <vector>

namespace headscope {

class RowStatsObserver final : public ForwardObserver {
public:
    RowStatsObserver(int layers, int heads, NeedleSpan span, int topK, bool onlyFirstStep);

    bool wants(HookPoint point) const override { return point == HookPoint::AttnPattern; }
    void onHook(const HookEvent& event) override;
    void onStepComplete(int step, int32_t token) override;

    std::vector<StoredStep>& steps() { return m_steps; }

private:
    int m_layers, m_heads;
    NeedleSpan m_span;
    int m_topK;
    bool m_onlyFirstStep;
    std::vector<RowStats> m_current; // [layers, heads] of the step in flight
    std::vector<StoredStep> m_steps;
};

} // namespace headscope
