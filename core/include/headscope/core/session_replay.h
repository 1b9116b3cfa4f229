#pragma once
// Feeding a probe test's recorded prompt ids to a model (compare --session, the GUI's Compare
// on a probe test): the ids mean text only under the tokenizer they were made with, and exist
// only inside that model's vocabulary. Refusals name the session's model and the given one
// instead of an engine error about one token id.
#include "headscope/core/session.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace headscope {

struct ReplayModel {
    std::filesystem::path dir;
    std::string tokenizerSha256; // "" when the checkpoint has no tokenizer.json
    int64_t vocabSize = 0;
};

// Throws UsageError when the session and the model both name a tokenizer and they differ, or
// when an id of `ids` is outside the model's vocabulary.
void requireReplayable(const SessionReader& session, int testId, const std::vector<int32_t>& ids, const ReplayModel& model);

} // namespace headscope
