#pragma once
// The one observer interface through which the forward pass reports intermediates.
//
// Which positions are reported: only the *scored* queries — the last prompt position
// (step 0, the query that produces the first generated token) and the query of every
// decode step (step t >= 1). Prefill positions before the last one are never reported;
// in particular no L×L attention matrix ever exists (docs/algorithms.md decision (d)).
//
// Cost rule: the engine asks wants() once per generate() call and computes nothing for
// hook points nobody wants. With no observer, generation does no extra work.
//
// Threading: callbacks run on the thread that called Generator::generate(). The data
// pointers are valid only during the call; copy or reduce what you need.
#include "headscope/core/hook_names.h"

#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace headscope {

struct HookEvent {
    HookPoint point;
    int layer = -1;                   // -1 for non-layer hooks (embed, final_norm, logits)
    int step = 0;                     // 0 = last prompt row, t = t-th generated token's query
    int64_t queryPosition = 0;        // absolute position of the scored query in the sequence
    std::span<const int64_t> shape;   // see HookPoint's shape comment; positions dimension is 1
    std::span<const float> values;    // row-major, float32 regardless of the model dtype
};

class ForwardObserver {
public:
    virtual ~ForwardObserver() = default;

    // Asked once per generate(); return false for every point you do not need.
    virtual bool wants(HookPoint point) const = 0;

    // One call per (step, layer, hook). For AttnPattern: shape {heads, keys}, each row a
    // softmax over every key visible to the query (prompt + tokens generated so far;
    // after compression, the keys kept for that head — see keyPositions in CompressedRows).
    virtual void onHook(const HookEvent& event) = 0;

    // Called after the token produced by step `step`'s query is chosen.
    virtual void onStepComplete(int step, int32_t token) { (void)step; (void)token; }

    // Key positions [start, end) whose share of each head's output HeadWriteSpan reports (the
    // needle span of a probe prompt). Asked once per generate(), like wants(); without a span
    // HeadWriteSpan is not reported. Only a full cache can report it: after compression the
    // span's keys are partly gone.
    virtual std::optional<std::pair<int64_t, int64_t>> attributionSpan() const { return std::nullopt; }
};

} // namespace headscope
