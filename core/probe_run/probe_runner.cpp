#include "headscope/core/file_read.h"
#include "headscope/core/probe_runner.h"

#include "row_stats_observer.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"
#include "headscope/core/gates.h"
#include "headscope/core/sha256.h"

#include <algorithm>
#include <chrono>

namespace headscope {

namespace {

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \n\t");
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(" \n\t") - b + 1);
}

struct GridTest {
    int length;
    double depth;
    int needle;
};

} // namespace

ProbeRunner::ProbeRunner(Generator& generator, const Tokenizer& tokenizer)
    : m_generator(generator), m_tokenizer(tokenizer)
{
}

SessionManifest ProbeRunner::manifestFor(const ProbeRunConfig& c) const
{
    const ModelConfig& mc = m_generator.config();
    const GeneratorIdentity id = m_generator.identity();
    SessionManifest m;
    m.headscopeVersion = HEADSCOPE_VERSION;
    m.modelPath = id.checkpointDir.string();
    if (!id.checkpointDir.empty()) {
        for (const auto& f : Checkpoint::open(id.checkpointDir).weightFiles())
            m.weightSha256.push_back(f.filename().string() + " " + sha256FileHex(f));
        m.configJson = readFileBytes(id.checkpointDir / "config.json");
    } else {
        m.configJson = modelConfigToJson(mc);
    }
    m.tokenizerSha256 = m_tokenizer.sha256();
    m.haystack = c.haystackDescription;
    m.needlesJsonl = needlesToJsonl(c.needles);
    m.lengths = c.lengths;
    m.depths = c.depths;
    m.topK = c.topK;
    m.mode = c.mode == ScoringMode::LastPromptRow ? "last-row" : "all-steps";
    m.promptTemplate = c.prompt.promptTemplate;
    m.chatTemplate = c.prompt.chat ? std::string(chatTemplateName(*c.prompt.chat)) : "none";
    m.addBos = c.prompt.addBos;
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

ProbeSummary ProbeRunner::run(const ProbeRunConfig& c, const std::function<void(const ProbeProgress&)>& progress,
                              std::stop_token stop)
{
    if (c.needles.empty() || c.lengths.empty() || c.depths.empty())
        throw UsageError("probe: the grid is empty (needles × lengths × depths)");
    if (c.shardCount < 1 || c.shardIndex < 0 || c.shardIndex >= c.shardCount)
        throw UsageError("probe: --shard must be i/n with 0 <= i < n");
    if (c.haystackText.empty())
        throw UsageError("probe: empty haystack");
    const SessionManifest manifest = manifestFor(c);
    auto writer = c.resume ? SessionWriter::resume(c.out, manifest) : SessionWriter::create(c.out, manifest);

    std::vector<GridTest> todo;
    ProbeSummary summary;
    int index = 0;
    for (int length : c.lengths)
        for (double depth : c.depths)
            for (int n = 0; n < static_cast<int>(c.needles.size()); ++n, ++index) {
                if (index % c.shardCount != c.shardIndex || writer->hasTest(length, depth, n)) {
                    ++summary.testsSkipped;
                    continue;
                }
                todo.push_back({length, depth, n});
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
        const GridTest& g = todo[i];
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
            const BuiltPrompt prompt = buildPrompt(m_tokenizer, c.haystackText, needle, g.length, g.depth, c.prompt);
            test.spanStart = prompt.spanStart;
            test.spanEnd = prompt.spanEnd;
            test.spanMethod = prompt.spanMethod;
            test.promptLength = static_cast<int64_t>(prompt.ids.size());
            test.promptIds = prompt.ids;
            const NeedleSpan span{prompt.spanStart, prompt.spanEnd};
            const bool keepRows = c.fullRowsForAll || std::find(c.fullRowTests.begin(), c.fullRowTests.end(), test.id) !=
                                                          c.fullRowTests.end();
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
            const GenerateResult r = m_generator.generate(prompt.ids, o, &observer, stop);
            test.generatedIds = r.generatedIds;
            test.text = m_tokenizer.decode(r.generatedIds, /*skipSpecialTokens=*/true);
            const std::string response = trim(test.text);
            test.rouge1Recall = rouge1Recall(needle.realNeedle, response); // both ×100
            test.qaF1 = qaF1Score(response, needle.answer);
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
