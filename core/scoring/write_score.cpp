// §1G of docs/algorithms.md: direct logit attribution of each head's write, and its needle part.
#include "headscope/core/write_score.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <string>

namespace headscope {

std::vector<double> projectHeadWrites(std::span<const float> writes, int heads, std::span<const float> readout)
{
    const std::size_t hidden = readout.size();
    if (heads <= 0 || writes.size() != static_cast<std::size_t>(heads) * hidden)
        throw UsageError("head writes: " + std::to_string(writes.size()) + " values, expected heads × hidden = " +
                         std::to_string(heads) + " × " + std::to_string(hidden));
    std::vector<double> out(static_cast<std::size_t>(heads), 0.0);
    for (std::size_t h = 0; h < out.size(); ++h) {
        double dot = 0.0;
        const float* w = writes.data() + h * hidden;
        for (std::size_t i = 0; i < hidden; ++i)
            dot += static_cast<double>(w[i]) * static_cast<double>(readout[i]);
        out[h] = dot;
    }
    return out;
}

HeadWriteCollector::HeadWriteCollector(int layers, int heads)
    : m_layers(layers), m_heads(heads), m_writes(static_cast<std::size_t>(layers)),
      m_spanWrites(static_cast<std::size_t>(layers))
{
}

namespace {
void store(std::vector<std::vector<float>>& into, int layer, int layers, int heads, std::span<const float> writes,
           int64_t hidden, const char* what)
{
    if (layer < 0 || layer >= layers || writes.size() != static_cast<std::size_t>(heads * hidden))
        throw UsageError(std::string(what) + ": layer " + std::to_string(layer) + " with " +
                         std::to_string(writes.size()) + " values, expected a layer below " + std::to_string(layers) +
                         " and heads × hidden = " + std::to_string(heads) + " × " + std::to_string(hidden));
    into[static_cast<std::size_t>(layer)].assign(writes.begin(), writes.end());
}
} // namespace

void HeadWriteCollector::addWrites(int layer, std::span<const float> writes, int64_t hidden)
{
    store(m_writes, layer, m_layers, m_heads, writes, hidden, "head_write");
    m_hidden = hidden;
    m_seen = true;
}

void HeadWriteCollector::addSpanWrites(int layer, std::span<const float> writes, int64_t hidden)
{
    store(m_spanWrites, layer, m_layers, m_heads, writes, hidden, "head_write_span");
    m_hidden = hidden;
}

void HeadWriteCollector::finishStep(std::span<const float> readout, std::vector<double>& total,
                                    std::vector<double>& needle)
{
    const auto cells = static_cast<std::size_t>(m_layers) * static_cast<std::size_t>(m_heads);
    total.assign(cells, 0.0);
    needle.assign(cells, 0.0);
    for (int l = 0; l < m_layers; ++l) {
        auto& w = m_writes[static_cast<std::size_t>(l)];
        auto& s = m_spanWrites[static_cast<std::size_t>(l)];
        const std::size_t at = static_cast<std::size_t>(l) * static_cast<std::size_t>(m_heads);
        if (!w.empty()) {
            const auto v = projectHeadWrites(w, m_heads, readout);
            std::copy(v.begin(), v.end(), total.begin() + static_cast<std::ptrdiff_t>(at));
        }
        if (!s.empty()) {
            const auto v = projectHeadWrites(s, m_heads, readout);
            std::copy(v.begin(), v.end(), needle.begin() + static_cast<std::ptrdiff_t>(at));
        }
        w.clear();
        s.clear();
    }
    m_seen = false;
}

} // namespace headscope
