#pragma once
// The write-aware head score (docs/algorithms.md §1G): for one answer step, each head's direct
// contribution to the generated token's logit — its write into the residual stream (its slice of
// the attention output through o_proj) dotted with the token's readout direction (the final
// norm's scale ⊙ the token's unembedding row ÷ the final RMS) — and the part of it that comes
// from the needle span's keys. Torch-free arithmetic on what the engine reports through the
// HeadWrite, HeadWriteSpan and TokenReadout hook points.
#include <cstdint>
#include <span>
#include <vector>

namespace headscope {

// out[h] = Σ_i writes[h, i] · readout[i] for writes [heads, hidden] (float32 as hooks carry
// them), accumulated in double.
std::vector<double> projectHeadWrites(std::span<const float> writes, int heads, std::span<const float> readout);

// Collects one step's layer writes as they are reported, and turns them into contributions
// when the step's readout arrives. Memory: two [layers, heads, hidden] float buffers.
class HeadWriteCollector {
public:
    HeadWriteCollector(int layers, int heads);

    void addWrites(int layer, std::span<const float> writes, int64_t hidden);     // HeadWrite
    void addSpanWrites(int layer, std::span<const float> writes, int64_t hidden); // HeadWriteSpan
    // Contributions of the step ([layers, heads]); layers never reported count 0. Clears the step.
    void finishStep(std::span<const float> readout, std::vector<double>& total, std::vector<double>& needle);
    bool hasWrites() const { return m_seen; }

private:
    int m_layers, m_heads;
    int64_t m_hidden = 0;
    bool m_seen = false;
    std::vector<std::vector<float>> m_writes, m_spanWrites; // [layers][heads * hidden]
};

} // namespace headscope
