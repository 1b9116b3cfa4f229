#include "headscope/core/eval_replay.h"

#include "common/json_input.h"

#include "headscope/core/budget_configs.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

namespace headscope {

std::vector<EvalDisagreement> evalDisagreements(const std::vector<EvalRecord>& records)
{
    std::vector<EvalDisagreement> out;
    for (std::size_t r = 0; r < records.size(); ++r) {
        const EvalOutcome* full = records[r].outcome({"full", 0});
        if (!full)
            continue;
        for (std::size_t o = 0; o < records[r].outcomes.size(); ++o) {
            const EvalOutcome& outcome = records[r].outcomes[o];
            if (!outcome.config.isFull() && outcome.score != full->score)
                out.push_back({r, o});
        }
    }
    return out;
}

EvalRunSettings evalRunSettings(const EvalManifest& manifest, const std::string& source)
{
    using json = nlohmann::json;
    EvalRunSettings s;
    const char* key = "manifest";
    try {
        const json j = json_input::parse(manifest.json, source + ": /manifest");
        key = "window";
        s.params.window = j.at(key).get<int>();
        key = "beta";
        s.params.beta = j.at(key).get<double>();
        key = "temp";
        s.params.temp = j.at(key).get<double>();
        key = "floor_alpha";
        s.params.adaFloorAlpha = j.at(key).get<double>();
        key = "scores";
        s.scoresProvenance = j.value(key, std::string());
        key = "selection";
        const json& sel = j.at(key);
        key = "selection.pooling";
        s.compression.pooling = parsePooling(sel.at("pooling").get<std::string>());
        key = "selection.kernel";
        s.compression.poolingKernel = sel.at("kernel").get<int>();
        key = "selection.layout";
        const std::string layout = sel.at("layout").get<std::string>();
        if (layout == cacheLayoutName(CacheLayout::GqaFlattened))
            s.compression.layout = CacheLayout::GqaFlattened;
        else if (layout == cacheLayoutName(CacheLayout::QueryHeadFlattened))
            s.compression.layout = CacheLayout::QueryHeadFlattened;
        else
            throw FormatError(source + ": /manifest selection.layout: expected " +
                              cacheLayoutName(CacheLayout::GqaFlattened) + " or " +
                              cacheLayoutName(CacheLayout::QueryHeadFlattened) + ", got '" + layout + "'");
        key = "selection.score_aggregation";
        s.compression.scoreAggregation = parseGroupAggregation(sel.at("score_aggregation").get<std::string>());
        key = "selection.capacity_aggregation";
        s.compression.capacityAggregation = parseGroupAggregation(sel.at("capacity_aggregation").get<std::string>());
    } catch (const json::exception& e) {
        throw FormatError(source + ": /manifest " + key + ": " + e.what());
    } catch (const UsageError& e) {
        throw FormatError(source + ": /manifest " + key + ": " + e.what());
    }
    return s;
}

std::shared_ptr<const CompressionSpec> evalCompression(const EvalRunSettings& settings, const EvalConfigKey& config,
                                                       int64_t promptTokens, const ScoreMatrix* scores,
                                                       const ModelConfig& model)
{
    if (config.isFull())
        return nullptr;
    const AllocationMethod method = parseAllocationMethod(config.method);
    const std::optional<ScoreMatrix> given = scores ? std::optional<ScoreMatrix>(*scores) : std::nullopt;
    checkBudgetRequest({method}, {config.budget}, settings.params, given, model, config.label());
    return compressionForBudget(method, config.budget, promptTokens, settings.params, scores, settings.compression,
                                model);
}

} // namespace headscope
