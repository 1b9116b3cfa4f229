#include "headscope/core/session_tools.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace headscope {

ImportedScores importScoresAsSession(const std::filesystem::path& scoreFile, const std::filesystem::path& out,
                                     HeadMetric metric, const ScoreFileImportOptions& options)
{
    ImportedScores imported = importScoreFile(scoreFile, options);
    const int layers = imported.matrix.layers, heads = imported.matrix.heads;
    SessionManifest m;
    m.headscopeVersion = HEADSCOPE_VERSION;
    m.layers = layers;
    m.heads = heads;
    m.kvHeads = heads;
    m.mode = "imported";
    m.importedFrom = scoreFile.string() + " sha256=" + imported.sha256 + " format=" + imported.format +
                     (imported.section.empty() ? "" : " section=" + imported.section);
    auto writer = SessionWriter::create(out, m);
    const int tests = std::max(1, imported.maxListLength);
    const std::size_t cells = static_cast<std::size_t>(layers * heads);
    for (int j = 0; j < tests; ++j) {
        SessionTest t;
        t.id = j;
        t.status = "ok";
        t.scores.layers = layers;
        t.scores.heads = heads;
        t.scores.scoredRows = 1;
        for (auto& v : t.scores.values)
            v.assign(cells, 0.0);
        auto& values = t.scores.values[static_cast<std::size_t>(metric)];
        for (std::size_t c = 0; c < cells; ++c) {
            const auto& list = imported.lists[c];
            // A head with fewer entries repeats its mean so the per-head mean is preserved.
            values[c] = static_cast<std::size_t>(j) < list.size() ? list[static_cast<std::size_t>(j)] : imported.matrix.values[c];
        }
        writer->appendTest(t, {});
    }
    return imported;
}

int mergeSessions(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out)
{
    if (inputs.size() < 2)
        throw UsageError("merge: give at least two sessions");
    std::vector<std::unique_ptr<SessionReader>> readers;
    for (const auto& p : inputs)
        readers.push_back(SessionReader::open(p));
    const SessionManifest& first = readers.front()->manifest();
    for (std::size_t i = 1; i < readers.size(); ++i) {
        const SessionManifest& m = readers[i]->manifest();
        auto same = [&](const char* key, const std::string& a, const std::string& b) {
            if (a != b)
                throw UsageError("merge: " + inputs[i].string() + " disagrees with " + inputs[0].string() + " on \"" + key +
                                 "\": " + (b.size() > 60 ? b.substr(0, 60) + "…" : b) + " vs " +
                                 (a.size() > 60 ? a.substr(0, 60) + "…" : a));
        };
        auto join = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& x : v)
                s += x + ";";
            return s;
        };
        same("weight_sha256", join(first.weightSha256), join(m.weightSha256));
        same("tokenizer_sha256", first.tokenizerSha256, m.tokenizerSha256);
        same("haystack", first.haystack, m.haystack);
        same("needles_jsonl", first.needlesJsonl, m.needlesJsonl);
        same("top_k", std::to_string(first.topK), std::to_string(m.topK));
        same("mode", first.mode, m.mode);
        same("prompt_template", first.promptTemplate, m.promptTemplate);
        same("chat_template", first.chatTemplate, m.chatTemplate);
        same("dtype", first.dtype, m.dtype);
        same("layers", std::to_string(first.layers), std::to_string(m.layers));
        same("heads", std::to_string(first.heads), std::to_string(m.heads));
    }
    SessionManifest merged = first;
    merged.shardIndex = 0;
    merged.shardCount = 1;
    auto writer = SessionWriter::create(out, merged);
    std::set<std::tuple<int, long long, int>> seen;
    int id = 0;
    for (std::size_t i = 0; i < readers.size(); ++i) {
        for (SessionTest t : readers[i]->tests()) {
            const auto key = std::make_tuple(t.length, std::llround(t.depth * 1e6), t.needleIndex);
            if (!seen.insert(key).second)
                throw UsageError("merge: test (length " + std::to_string(t.length) + ", depth " + std::to_string(t.depth) +
                                 ", needle " + std::to_string(t.needleIndex) + ") appears twice (again in " +
                                 inputs[i].string() + ")");
            const std::vector<StoredStep> steps = readers[i]->steps(t.id);
            t.id = id++;
            writer->appendTest(t, steps);
        }
    }
    return id;
}

} // namespace headscope
