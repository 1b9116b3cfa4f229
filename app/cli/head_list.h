#pragma once
// "15-30,16-20" → heads (layer 15 head 30, layer 16 head 20), as HeadKV names heads.
#include "headscope/engine/engine.h"

#include <string>
#include <vector>

namespace headscope::cli {

std::vector<HeadRef> parseHeadList(const std::string& text);

} // namespace headscope::cli
