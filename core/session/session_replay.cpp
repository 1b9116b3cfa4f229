#include "headscope/core/session_replay.h"

#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"

#include <algorithm>

namespace headscope {

namespace {

std::string shortSha(const std::string& sha)
{
    return sha.size() > 12 ? sha.substr(0, 12) + "…" : sha;
}

// "/models/a (vocab_size 32000)" from what the manifest recorded.
std::string recordedModel(const SessionManifest& m)
{
    std::string out = m.modelPath.empty() ? std::string("another model") : m.modelPath;
    if (!m.configJson.empty()) {
        try {
            const ModelConfig c = parseModelConfig(m.configJson, "manifest config_json");
            out += " (vocab_size " + std::to_string(c.vocabSize) + ")";
        } catch (const Error&) {
            // A manifest whose config does not parse still names its model path.
        }
    }
    return out;
}

} // namespace

void requireReplayable(const SessionReader& session, int testId, const std::vector<int32_t>& ids, const ReplayModel& model)
{
    const SessionManifest& m = session.manifest();
    const std::string test = session.path().string() + " test " + std::to_string(testId);
    if (!m.tokenizerSha256.empty() && !model.tokenizerSha256.empty() && m.tokenizerSha256 != model.tokenizerSha256)
        throw UsageError(test + " was recorded with the tokenizer of " + recordedModel(m) + " (sha256 " +
                         shortSha(m.tokenizerSha256) + "); " + model.dir.string() + " has another one (sha256 " +
                         shortSha(model.tokenizerSha256) +
                         "), so the recorded prompt ids would mean other text: use the session's model");
    if (ids.empty())
        throw UsageError(test + " has an empty prompt");
    const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    if (*lo < 0 || *hi >= model.vocabSize)
        throw UsageError(test + " uses token id " + std::to_string(*lo < 0 ? *lo : *hi) + ", but the vocabulary of " +
                         model.dir.string() + " has " + std::to_string(model.vocabSize) + " ids (0.." +
                         std::to_string(model.vocabSize - 1) + "): the session was recorded with " + recordedModel(m) +
                         "; use that model");
}

} // namespace headscope
