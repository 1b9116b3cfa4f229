#pragma once
// KV budget allocators (docs/algorithms.md §3A HeadKV, §3B DiliLazyKV, §4A SnapKV uniform, §4C
// PyramidKV, §4D Ada-KV). Every rounding is half-to-even, as torch.round and Python round are.
#include "headscope/core/allocation_method.h"
#include "headscope/core/budget_plan.h"
#include "headscope/core/score_matrix.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace headscope {

struct AllocationParams {
    int64_t baseCapacity = 128;  // C, the KV size per head including the window
    int window = 8;              // w; b = C − w selected tokens per head on average
    double beta = 1.5;           // HeadKV/DiliLazyKV: floor(b/beta) is the shared pool per head
    double temp = 1.0;           // HeadKV/DiliLazyKV: scores raised to this power
    double pyramidBeta = 20.0;   // PyramidKV β_p: min_num = b // β_p
    double epsLayer = 0.01;      // DiliLazyKV ε_L (intra-layer share term)
    double epsHead = 0.5;        // DiliLazyKV ε_H (token reserved per head)
    double adaFloorAlpha = 0.2;  // Ada-KV floor α: every head keeps at least int(b·α)
    std::optional<int64_t> promptLength; // q_len, enables KF's pyramid conditions (§4C)
};

// SnapKV: every head keeps b = C − w selected tokens + w window.
BudgetPlan allocateUniform(int layers, int heads, const AllocationParams& params);
// PyramidKV schedule (§4C): cap_l = max_num − l·steps, layer 0 largest. With promptLength:
// q_len < C → no compression (cap = q_len − w); q_len < 2b → uniform b; else the pyramid with
// max_num clipped to q_len − w.
BudgetPlan allocatePyramid(int layers, int heads, const AllocationParams& params);
// HeadKV (§3A): p = s/Σs, p^temp renormalised, pool = floor(b/β)·L·H, min = b − floor(b/β),
// cap = round(p·pool + min). Throws UsageError if Σs ≤ 0 or a score is negative/not finite.
BudgetPlan allocateHeadKv(const ScoreMatrix& scores, const AllocationParams& params);
// DiliLazyKV (§3B): SA = s^temp, SA' = SA + ε_L·SA/(Σ_layer SA + 1e-9), SA'n = SA'/(ΣSA' + 1e-9),
// pool' = max(floor(b/β)·L·H − L·H·ε_H, 0), cap = round(SA'n·pool' + (b − floor(b/β)) + ε_H).
BudgetPlan allocateDiliLazyKv(const ScoreMatrix& scores, const AllocationParams& params);

// Ada-KV (§4D) for ONE layer at prefill. `scores` are the per-head observation-window scores of
// the prefix keys, [heads, keys] row-major. Optionally normalises each head by (Σ top-b)/(Σ all);
// takes the global top-(heads·b); n_h = selected entries of head h;
// cap_h = round(n_h·(1 − floorAlpha) + int(b·floorAlpha)). Ties in the global top-k go to the
// lower (head, key) flat index. If b >= keys, every head keeps all `keys` (no compression).
std::vector<int64_t> allocateAdaKvLayer(std::span<const float> scores, int heads, int64_t keys, int64_t budget,
                                        double floorAlpha = 0.2, bool normalize = true);

// Whether a plan's split across heads is made at prefill from the prompt's own scores (an
// Ada-KV plan), rather than fixed in the plan.
bool splitsAtPrefill(const BudgetPlan& plan);

// The capacities of layer `layer`'s heads for one prompt — the one question a compressed cache
// asks a plan. A fixed plan returns its row. An Ada-KV plan splits the layer's budget (the
// mean of its row, half-to-even) across heads with allocateAdaKvLayer over `promptScores`, the
// prompt's pooled observation-window scores of the prefix keys, [plan.heads, keys] row-major
// (not needed, and may be empty, when the layer's budget covers all `keys`).
std::vector<int64_t> layerCapacities(const BudgetPlan& plan, int layer, std::span<const float> promptScores,
                                     int64_t keys);

// Dispatch by method. AdaKv gives the uniform per-layer budget with method "adakv" and
// parameters["floor_alpha"]: the split across heads needs the prompt's own scores and is made by
// the compressed cache at prefill (allocateAdaKvLayer). `scores` may be null for the methods that
// do not need them (needsHeadScores), which then need layers/heads.
BudgetPlan allocate(AllocationMethod method, const ScoreMatrix* scores, int layers, int heads,
                    const AllocationParams& params);
// The same by name (parseAllocationMethod).
BudgetPlan allocateByName(const std::string& method, const ScoreMatrix* scores, int layers, int heads,
                          const AllocationParams& params);

// Python/torch round(): nearest integer, exact halves to even.
int64_t roundHalfEven(double value);

} // namespace headscope
