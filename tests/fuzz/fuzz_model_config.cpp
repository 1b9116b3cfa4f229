// libFuzzer: config.json text → parseModelConfig. An accepted config must be within the
// dimension limits and survive a round trip through modelConfigToJson unchanged; any exception
// after acceptance is a bug.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"

#include <cstdint>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    ModelConfig c;
    try {
        c = parseModelConfig(fuzz::asText(data, size), "config.json");
    } catch (const Error&) {
        return 0;
    }
    validateModelDimensions(c, "accepted config.json");
    HEADSCOPE_FUZZ_CHECK(c.numHeads % c.numKvHeads == 0);
    HEADSCOPE_FUZZ_CHECK(c.parameterCount() > 0);
    const ModelConfig again = parseModelConfig(modelConfigToJson(c), "round trip");
    HEADSCOPE_FUZZ_CHECK(again.architecture == c.architecture);
    HEADSCOPE_FUZZ_CHECK(again.vocabSize == c.vocabSize && again.hiddenSize == c.hiddenSize);
    HEADSCOPE_FUZZ_CHECK(again.intermediateSize == c.intermediateSize && again.numLayers == c.numLayers);
    HEADSCOPE_FUZZ_CHECK(again.numHeads == c.numHeads && again.numKvHeads == c.numKvHeads);
    HEADSCOPE_FUZZ_CHECK(again.headDim == c.headDim && again.maxPositionEmbeddings == c.maxPositionEmbeddings);
    HEADSCOPE_FUZZ_CHECK(again.ropeScaling.type == c.ropeScaling.type);
    HEADSCOPE_FUZZ_CHECK(again.slidingWindow == c.slidingWindow && again.attentionBias == c.attentionBias);
    HEADSCOPE_FUZZ_CHECK(again.bosTokenId == c.bosTokenId && again.eosTokenIds == c.eosTokenIds);
    HEADSCOPE_FUZZ_CHECK(again.tieWordEmbeddings == c.tieWordEmbeddings);
    return 0;
}
