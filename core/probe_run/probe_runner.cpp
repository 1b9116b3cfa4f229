#include "headscope/core/file_read.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/shard.h"

#include "row_stats_observer.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"
#include "headscope/core/answer_scoring.h"
#include "headscope/core/head_list.h"
#include "headscope/core/sha256.h"

#include <algorithm>
#include <chrono>

namespace headscope {

ProbeRequest requestFromManifest(const SessionManifest& m, const std::string& source)
{
    if (!m.importedFrom.empty() || m.needlesJsonl.empty())
        throw UsageError(source + " was not recorded by a probe (imported from " +
                         (m.importedFrom.empty() ? std::string("elsewhere") : m.importedFrom) +
                         "): it has no probe grid to re-run");
    ProbeRequest r;
    r.needles = parseNeedles(m.needlesJsonl, source + ": manifest needles_jsonl");
    r.haystack = HaystackSpec::parse(m.haystack);
    r.lengths = m.lengths;
    r.depths = m.depths;
    r.topK = m.topK;
    r.mode = parseScoringMode(m.mode);
    r.promptTemplate = m.promptTemplate.empty() ? std::string(kDiliLazyKVTemplate) : m.promptTemplate;
    r.chat = !m.chatTemplate.empty() && m.chatTemplate != "none";
    if (m.maxNewTokens > 0)
        r.maxNewTokens = m.maxNewTokens;
    r.stopAtEos = m.stopAtEos;
    r.stopAtNewline = m.stopAtNewline;
    r.stopAtAnswerLength = m.stopAtAnswerLength;
    r.maskedHeads = parseHeadList(m.maskedHeads, source + ": manifest masked_heads");
    return r;
}

ProbeRunner::ProbeRunner(Generator& generator, const Tokenizer& tokenizer)
    : m_generator(generator), m_tokenizer(tokenizer)
{
}

SessionManifest ProbeRunner::manifestFor(const PreparedProbe& probe) const
{
    const ProbeRequest& c = probe.request;
    const ModelConfig& mc = m_generator.config();
    const GeneratorIdentity id = m_generator.identity();
    SessionManifest m;
    m.headscopeVersion = HEADSCOPE_VERSION;
    m.modelPath = id.checkpointDir.string();
    if (!id.checkpointDir.empty()) {
        for (const auto& f : Checkpoint::open(id.checkpointDir).weightFiles())
            m.weightSha256.push_back(f.filename().string() + " " + sha256FileHexCached(f));
        m.configJson = readFileBytes(id.checkpointDir / "config.json");
    } else {
        m.configJson = modelConfigToJson(mc);
    }
    m.tokenizerSha256 = m_tokenizer.sha256();
    m.haystack = c.haystack.describe();
    m.needlesJsonl = needlesToJsonl(c.needles);
    m.lengths = c.lengths;
    m.depths = c.depths;
    m.topK = c.topK;
    m.mode = std::string(scoringModeName(c.mode));
    m.maxNewTokens = c.maxNewTokens;
    m.stopAtEos = c.stopAtEos;
    m.stopAtNewline = c.stopAtNewline;
    m.stopAtAnswerLength = c.stopAtAnswerLength;
    m.maskedHeads = formatHeadList(c.maskedHeads);
    m.promptTemplate = probe.prompt.promptTemplate;
    m.chatTemplate = probe.prompt.chat ? std::string(chatTemplateName(*probe.prompt.chat)) : "none";
    m.addBos = probe.prompt.addBos;
    m.device = id.device;
    m.dtype = id.dtype;
    m.layers = static_cast<int>(mc.numLayers);
    m.heads = static_cast<int>(mc.numHeads);
    m.kvHeads = static_cast<int>(mc.numKvHeads);
    m.headDim = static_cast<int>(mc.headDim);
    m.shardIndex = c.shardIndex;
    m.shardCount = c.shardCount;
    for (HeadMetric metric : allHeadMetrics())
        if (c.writeScores || !isWriteMetric(metric))
            m.metrics.emplace_back(headMetricName(metric));
    return m;
}

ProbeSummary ProbeRunner::run(const ProbeRequest& request, const std::function<void(const ProbeProgress&)>& progress,
                              std::stop_token stop)
{
    const PreparedProbe probe = prepareProbe(request, m_tokenizer);
    const ProbeRequest& c = probe.request;
    const ModelConfig& model = m_generator.config();
    for (const HeadRef& h : c.maskedHeads)
        if (h.layer >= model.numLayers || h.head >= model.numHeads)
            throw UsageError("probe: --mask-heads: head " + std::to_string(h.layer) + "-" + std::to_string(h.head) +
                             " is outside the model (" + std::to_string(model.numLayers) + " layers × " +
                             std::to_string(model.numHeads) + " query heads)");
    const SessionManifest manifest = manifestFor(probe);
    auto writer = c.resume ? SessionWriter::resume(c.out, manifest) : SessionWriter::create(c.out, manifest, {c.replace});

    std::vector<ProbeGridTest> todo;
    ProbeSummary summary;
    for (const ProbeGridTest& g : probeGrid(c)) {
        if (!inShard(g.index, c.shardIndex, c.shardCount) || writer->hasTest(g.length, g.depth, g.needle)) {
            ++summary.testsSkipped;
            continue;
        }
        todo.push_back(g);
    }

    const int layers = static_cast<int>(m_generator.config().numLayers), heads = static_cast<int>(m_generator.config().numHeads);
    std::vector<int32_t> newlineIds;
    for (int32_t id : m_tokenizer.encode("\n"))
        newlineIds.push_back(id);
    const auto t0 = std::chrono::steady_clock::now();
    int nextId = writer->nextTestId();
    for (std::size_t i = 0; i < todo.size(); ++i) {
        if (stop.stop_requested())
            throw CancelledError();
        const ProbeGridTest& g = todo[i];
        const Needle& needle = c.needles[static_cast<std::size_t>(g.needle)];
        SessionTest test;
        test.id = nextId++;
        test.length = g.length;
        test.depth = g.depth;
        test.needleIndex = g.needle;
        test.scores.layers = layers;
        test.scores.heads = heads;
        std::vector<StoredStep> steps;
        std::vector<FullAttentionRows> fullRows;
        try {
            const BuiltPrompt prompt = buildPrompt(m_tokenizer, probe.haystackText, needle, g.length, g.depth, probe.prompt);
            test.spanStart = prompt.spanStart;
            test.spanEnd = prompt.spanEnd;
            test.spanMethod = prompt.spanMethod;
            test.promptLength = static_cast<int64_t>(prompt.ids.size());
            test.promptIds = prompt.ids;
            const NeedleSpan span{prompt.spanStart, prompt.spanEnd};
            const bool keepRows = c.storeRowsOfAll ||
                                  std::find(c.storeRowsOf.begin(), c.storeRowsOf.end(), test.id) != c.storeRowsOf.end();
            RowStatsObserver observer(layers, heads, span, c.topK, c.mode == ScoringMode::LastPromptRow, keepRows,
                                      c.writeScores);
            GenerateOptions o;
            o.maxNewTokens = c.maxNewTokens;
            if (c.stopAtAnswerLength)
                o.maxNewTokens = std::max<int>(1, static_cast<int>(m_tokenizer.encode(" " + needle.answer).size()));
            o.stopAtEos = c.stopAtEos;
            if (c.stopAtEos)
                for (int32_t e : m_tokenizer.eosIds())
                    o.stopTokens.push_back(e);
            if (c.stopAtNewline)
                o.stopTokens.insert(o.stopTokens.end(), newlineIds.begin(), newlineIds.end());
            o.maskedHeads = c.maskedHeads;
            const GenerateResult r = m_generator.generate(prompt.ids, o, &observer, stop);
            test.generatedIds = r.generatedIds;
            AnswerScore answer = scoreAnswer(m_tokenizer, r.generatedIds, needle);
            test.text = std::move(answer.text);
            test.rouge1Recall = answer.rouge1; // both ×100
            test.qaF1 = answer.qaF1;
            steps = std::move(observer.steps());
            fullRows = std::move(observer.fullRows());
            std::vector<StepStats> stepStats;
            for (const StoredStep& s : steps)
                stepStats.push_back({s.token, s.rows, s.write, s.writeNeedle});
            test.scores = scoreTest(stepStats, layers, heads, span, prompt.ids, c.topK, c.mode);
            ++summary.testsWritten;
        } catch (const CancelledError&) {
            throw;
        } catch (const FormatError& e) {
            test.status = "error";
            test.error = e.what();
            ++summary.testsFailed;
        }
        writer->appendTest(test, c.storeSteps ? steps : std::vector<StoredStep>{}, fullRows);
        if (progress) {
            ProbeProgress p;
            p.done = static_cast<int>(i + 1);
            p.total = static_cast<int>(todo.size());
            p.skipped = summary.testsSkipped;
            p.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            p.etaSeconds = p.elapsedSeconds / p.done * (p.total - p.done);
            p.last = test;
            progress(p);
        }
    }
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return summary;
}

} // namespace headscope
