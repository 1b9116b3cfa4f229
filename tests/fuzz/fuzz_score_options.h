#pragma once
// The import options every score-format harness derives from its input's first byte: model
// shape known or not (each of layers, query heads, KV heads), missing heads allowed.
#include "headscope/core/score_file.h"

#include <cstdint>

namespace headscope::fuzz {

inline ScoreFileImportOptions scoreImportOptions(uint8_t mode)
{
    ScoreFileImportOptions options;
    if (mode & 1)
        options.layers = 1 + (mode >> 5); // 1..8
    if (mode & 2)
        options.queryHeads = 1 + ((mode >> 4) & 7);
    if (mode & 4)
        options.kvHeads = 1 + ((mode >> 4) & 3);
    options.allowMissingHeads = (mode & 8) != 0;
    return options;
}

} // namespace headscope::fuzz
