#include "controllers/session_file_source.h"

#include "headscope/core/budget_plan.h"
#include "headscope/core/errors.h"
#include "headscope/core/model_config.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace headscope::app {

namespace {
constexpr Gate kGates[] = {Gate::Rouge1, Gate::QaF1};

// Depth fractions as percent, rounded so that 0.25 shows as 25 (not 25.000000000000004).
double toPercent(double fraction)
{
    return std::round(fraction * 100.0 * 1e6) / 1e6;
}
} // namespace

std::shared_ptr<SessionFileSource> SessionFileSource::open(const std::filesystem::path& path)
{
    return std::shared_ptr<SessionFileSource>(new SessionFileSource(SessionReader::open(path)));
}

SessionFileSource::SessionFileSource(std::unique_ptr<SessionReader> reader) : m_reader(std::move(reader))
{
    const SessionManifest& manifest = m_reader->manifest();
    std::vector<Needle> needles;
    try {
        needles = parseNeedles(manifest.needlesJsonl, m_reader->path().string() + " /manifest needles");
    } catch (const FormatError&) {
        // Imported sessions carry no needles; their tests still show, without a question.
    }
    for (const SessionTest& t : m_reader->tests()) {
        views::TestInfo info;
        info.id = t.id;
        info.length = t.length;
        info.depth = toPercent(t.depth);
        m_depthFraction[info.depth] = t.depth;
        info.needleId = QStringLiteral("needle %1").arg(t.needleIndex);
        if (t.needleIndex >= 0 && t.needleIndex < static_cast<int>(needles.size())) {
            const Needle& needle = needles[static_cast<std::size_t>(t.needleIndex)];
            info.question = QString::fromStdString(needle.question);
            info.expected = QString::fromStdString(needle.answer);
        }
        info.generated = QString::fromStdString(t.text);
        if (t.status != "ok")
            info.generated += QStringLiteral(" [error: %1]").arg(QString::fromStdString(t.error));
        info.gates = {t.rouge1Recall, t.qaF1};
        info.promptLength = t.promptLength;
        info.needleSpan = t.needleSpan();
        m_tests.push_back(std::move(info));
    }
}

SessionFileSource::~SessionFileSource() = default;

QString SessionFileSource::path() const
{
    return QString::fromStdString(m_reader->path().string());
}

int SessionFileSource::layers() const
{
    return m_reader->manifest().layers;
}

int SessionFileSource::heads() const
{
    return m_reader->manifest().heads;
}

int SessionFileSource::kvHeads() const
{
    return m_reader->manifest().kvHeads;
}

int SessionFileSource::headDim() const
{
    return m_reader->manifest().headDim;
}

std::vector<int64_t> SessionFileSource::layerWindows() const
{
    const std::string& json = m_reader->manifest().configJson;
    if (json.empty())
        return {};
    try {
        const ModelConfig config = parseModelConfig(json, m_reader->path().string() + " (config_json)");
        return modelDims(config).slidingWindows;
    } catch (const Error&) {
        return {}; // a config HeadScope cannot run: no layer types to show
    }
}

std::vector<HeadMetric> SessionFileSource::metrics() const
{
    // Only what the session holds: an imported file holds one metric, and offering the others
    // would show zeros.
    return m_reader->heldMetrics();
}

QStringList SessionFileSource::gates() const
{
    return {QStringLiteral("rouge1_recall"), QStringLiteral("qa_f1")};
}

views::MetricMap SessionFileSource::aggregate(const views::AggregateQuery& query) const
{
    SessionQuery q;
    q.metric = query.metric;
    q.gate = query.gate >= 0 && query.gate < 2 ? kGates[query.gate] : Gate::None;
    q.threshold = query.threshold;
    q.lengths = query.lengths;
    for (double percent : query.depths) {
        const auto it = m_depthFraction.find(percent);
        q.depths.push_back(it != m_depthFraction.end() ? it->second : -1.0); // -1 matches nothing
    }
    const SessionAggregate agg = m_reader->aggregate(q);
    views::MetricMap m;
    m.metric = query.metric;
    m.matrix = agg.mean;
    m.matrix.provenance = "session:" + m_reader->path().string();
    m.ciHalfWidth = agg.ci95;
    m.tests = agg.testsAccepted;
    return m;
}

ScoreMatrix SessionFileSource::testScores(int testId, HeadMetric metric) const
{
    const SessionTest* t = m_reader->test(testId);
    return t ? t->scores.matrix(metric) : ScoreMatrix{};
}

std::vector<int32_t> SessionFileSource::promptIds(int testId) const
{
    return m_reader->promptIds(testId);
}

const std::vector<StoredStep>& SessionFileSource::stepsOf(int testId) const
{
    if (testId != m_cachedTest || !m_cachedSteps) {
        m_cachedSteps = std::make_shared<std::vector<StoredStep>>(m_reader->steps(testId));
        m_cachedTest = testId;
    }
    return *m_cachedSteps;
}

const std::vector<int>& SessionFileSource::fullRowStepsOf(int testId) const
{
    auto it = m_fullRowSteps.find(testId);
    if (it == m_fullRowSteps.end())
        it = m_fullRowSteps.emplace(testId, m_reader->fullRowSteps(testId)).first;
    return it->second;
}

const std::vector<float>& SessionFileSource::fullRowsOf(int testId, int step, int64_t* rowLength) const
{
    if (m_cachedRowsKey != std::make_pair(testId, step)) {
        m_cachedRows.clear();
        m_cachedRowsKey = {-1, -1};
        m_cachedRows = m_reader->fullRows(testId, step, &m_cachedRowLength);
        m_cachedRowsKey = {testId, step};
    }
    *rowLength = m_cachedRowLength;
    return m_cachedRows;
}

bool SessionFileSource::anyFullRows() const
{
    if (!m_anyFullRows) {
        m_anyFullRows = false;
        for (const SessionTest& t : m_reader->tests())
            if (!fullRowStepsOf(t.id).empty()) {
                m_anyFullRows = true;
                break;
            }
    }
    return *m_anyFullRows;
}

int SessionFileSource::steps(int testId) const
{
    // A probe run can keep full rows without per-step statistics (ProbeConfig::storeSteps =
    // false); those steps are still viewable.
    const std::vector<int>& full = fullRowStepsOf(testId);
    return std::max(static_cast<int>(stepsOf(testId).size()), full.empty() ? 0 : full.back() + 1);
}

std::optional<views::AttentionRow> SessionFileSource::attentionRow(int testId, int step, int layer, int head) const
{
    const std::vector<StoredStep>& steps = stepsOf(testId);
    const std::vector<int>& fullSteps = fullRowStepsOf(testId);
    const int L = layers();
    const int H = heads();
    const bool hasFull = std::binary_search(fullSteps.begin(), fullSteps.end(), step);
    const auto index = static_cast<std::size_t>(layer) * H + head;
    const bool hasStats = step >= 0 && step < static_cast<int>(steps.size()) &&
                          index < steps[static_cast<std::size_t>(step)].rows.size();
    if (layer < 0 || layer >= L || head < 0 || head >= H || (!hasStats && !hasFull))
        return std::nullopt;
    views::AttentionRow row;
    if (hasStats) {
        const RowStats& stats = steps[static_cast<std::size_t>(step)].rows[index];
        row.keys = static_cast<int>(stats.rowLength);
        row.topIndices.assign(stats.topIndices.begin(), stats.topIndices.end());
        row.topWeights = stats.topWeights;
    }
    const std::vector<float>* rows = nullptr;
    int64_t length = 0;
    if (hasFull) {
        try {
            rows = &fullRowsOf(testId, step, &length);
        } catch (const Error& e) { // a damaged dataset must not take the view down; top-K still shows
            row.topKOnlyReason = QStringLiteral("full row unreadable: %1").arg(QString::fromUtf8(e.what()));
            if (!hasStats)
                return std::nullopt;
        }
    }
    if (rows) {
        const auto begin = rows->begin() + static_cast<std::ptrdiff_t>(index * static_cast<std::size_t>(length));
        row.weights.assign(begin, begin + static_cast<std::ptrdiff_t>(length));
        row.keys = static_cast<int>(length);
        if (!hasStats) { // mark the row's own top-K, as the probe would have stored them
            std::vector<int> order(row.weights.size());
            for (std::size_t i = 0; i < order.size(); ++i)
                order[i] = static_cast<int>(i);
            const auto k = std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max(1, m_reader->manifest().topK)));
            std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                              [&row](int a, int b) {
                                  return row.weights[static_cast<std::size_t>(a)] > row.weights[static_cast<std::size_t>(b)];
                              });
            for (std::size_t i = 0; i < k; ++i) {
                row.topIndices.push_back(order[i]);
                row.topWeights.push_back(row.weights[static_cast<std::size_t>(order[i])]);
            }
        }
    } else if (!hasFull && !fullSteps.empty()) {
        row.topKOnlyReason = QStringLiteral("no full row stored for step %1 of this test").arg(step);
    } else if (!hasFull && anyFullRows()) {
        row.topKOnlyReason = QStringLiteral("no full rows stored for this test");
    }
    if (const SessionTest* t = m_reader->test(testId)) {
        row.needleBegin = static_cast<int>(t->spanStart);
        row.needleEnd = static_cast<int>(t->spanEnd);
    }
    row.title = QStringLiteral("test %1 · step %2 · L%3 H%4").arg(testId).arg(step).arg(layer).arg(head);
    row.tokens = contextTokens(testId).mid(0, row.keys);
    return row;
}

QStringList SessionFileSource::contextTokens(int testId) const
{
    if (const auto it = m_tokens.find(testId); it != m_tokens.end())
        return it->second;
    QStringList& tokens = m_tokens[testId];
    try {
        const Tokenizer* tokenizer = recordedTokenizer();
        const SessionTest* test = m_reader->test(testId);
        if (!tokenizer || !test)
            return tokens;
        std::vector<int32_t> ids = m_reader->promptIds(testId);
        ids.insert(ids.end(), test->generatedIds.begin(), test->generatedIds.end());
        for (int32_t id : ids)
            tokens << QString::fromStdString(tokenizer->decode(std::span<const int32_t>(&id, 1)));
    } catch (const Error&) {
        tokens.clear(); // token text is a convenience (older sessions have no prompt ids); the row still shows
    }
    return tokens;
}

const Tokenizer* SessionFileSource::recordedTokenizer() const
{
    if (!m_tokenizerTried) {
        m_tokenizerTried = true;
        const SessionManifest& manifest = m_reader->manifest();
        const std::filesystem::path dir = manifest.modelPath;
        try {
            if (!dir.empty() && std::filesystem::exists(dir / "tokenizer.json")) {
                auto tokenizer = std::make_shared<Tokenizer>(Tokenizer::fromDirectory(dir));
                if (tokenizer->sha256() == manifest.tokenizerSha256)
                    m_tokenizer = std::move(tokenizer);
            }
        } catch (const Error&) {
            // A changed or unreadable tokenizer: the rows show without token text.
        }
    }
    return m_tokenizer.get();
}

} // namespace headscope::app
