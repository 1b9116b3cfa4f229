#pragma once
// ScoreMatrix: the [layers, heads] values that score-file import, sessions, views and
// allocators exchange. Plain data, no torch, no Qt.
#include <cstdint>
#include <string>
#include <vector>

namespace headscope {

enum class HeadGranularity { QueryHead, KvHead };

struct ScoreMatrix {
    int layers = 0;
    int heads = 0;
    std::vector<double> values;   // [layers, heads], row-major (layer-major)
    HeadGranularity granularity = HeadGranularity::QueryHead;
    std::string metric;           // e.g. "inf", "retrieval", "lazy"
    std::string provenance;       // "session:<path>#<gate>" or "scores:<path> sha256:<hex>"

    double at(int layer, int head) const { return values[static_cast<std::size_t>(layer) * heads + head]; }
    double& at(int layer, int head) { return values[static_cast<std::size_t>(layer) * heads + head]; }
    bool empty() const { return values.empty(); }
};

} // namespace headscope
