#pragma once
// The probe's observer: reduces every attention row the engine reports to RowStats at once
// and groups them by step, so memory stays O(steps × layers × heads × K). With write scores it
// also turns each step's head writes and token readout into the §1G contributions.
#include "headscope/core/forward_observer.h"
#include "headscope/core/session.h"
#include "headscope/core/write_score.h"

#include <vector>

namespace headscope {

class RowStatsObserver final : public ForwardObserver {
public:
    // keepFullRows: also keep every scored row whole, as float16 (for tests the user chose;
    // costs steps × layers × heads × row length × 2 bytes).
    RowStatsObserver(int layers, int heads, NeedleSpan span, int topK, bool onlyFirstStep, bool keepFullRows = false,
                     bool writeScores = false);

    bool wants(HookPoint point) const override;
    void onHook(const HookEvent& event) override;
    void onStepComplete(int step, int32_t token) override;
    std::optional<std::pair<int64_t, int64_t>> attributionSpan() const override;

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
    bool m_writeScores;
    HeadWriteCollector m_writes;
    std::vector<double> m_write, m_writeNeedle; // [layers, heads] of the step in flight, once its readout came
};

} // namespace headscope
