#include "controllers/session_file_source.h"

#include "headscope/core/errors.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

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
    const QStringList needleLines = QString::fromStdString(manifest.needlesJsonl).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const SessionTest& t : m_reader->tests()) {
        views::TestInfo info;
        info.id = t.id;
        info.length = t.length;
        info.depth = toPercent(t.depth);
        m_depthFraction[info.depth] = t.depth;
        info.needleId = QStringLiteral("needle %1").arg(t.needleIndex);
        const QJsonObject needle = QJsonDocument::fromJson(needleLines.value(t.needleIndex).toUtf8()).object();
        info.question = needle.value(QStringLiteral("question")).toString();
        info.expected = needle.value(QStringLiteral("answer")).toString();
        if (info.expected.isEmpty())
            info.expected = needle.value(QStringLiteral("real_needle")).toString();
        info.generated = QString::fromStdString(t.text);
        if (t.status != "ok")
            info.generated += QStringLiteral(" [error: %1]").arg(QString::fromStdString(t.error));
        info.gates = {t.rouge1Recall, t.qaF1};
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

QStringList SessionFileSource::metrics() const
{
    // Only what the session holds: an imported file holds one metric, and offering the others
    // would show zeros.
    QStringList ids;
    for (HeadMetric m : m_reader->heldMetrics())
        ids << QString::fromLatin1(headMetricName(m).data(), static_cast<qsizetype>(headMetricName(m).size()));
    return ids;
}

QStringList SessionFileSource::gates() const
{
    return {QStringLiteral("rouge1_recall"), QStringLiteral("qa_f1")};
}

views::MetricMap SessionFileSource::aggregate(const views::AggregateQuery& query) const
{
    SessionQuery q;
    q.metric = parseHeadMetric(query.metric.toStdString());
    q.gate = query.gate >= 0 && query.gate < 2 ? kGates[query.gate] : Gate::None;
    q.threshold = query.threshold;
    q.lengths = query.lengths;
    for (double percent : query.depths) {
        const auto it = m_depthFraction.find(percent);
        q.depths.push_back(it != m_depthFraction.end() ? it->second : -1.0); // -1 matches nothing
    }
    const SessionAggregate agg = m_reader->aggregate(q);
    views::MetricMap m;
    m.id = query.metric;
    m.matrix = agg.mean;
    m.matrix.provenance = "session:" + m_reader->path().string();
    m.ciHalfWidth = agg.ci95;
    m.tests = agg.testsAccepted;
    return m;
}

ScoreMatrix SessionFileSource::testScores(int testId, const QString& metric) const
{
    for (const SessionTest& t : m_reader->tests())
        if (t.id == testId)
            return t.scores.matrix(parseHeadMetric(metric.toStdString()));
    return {};
}

SessionFileSource::ProbePrompt SessionFileSource::probePrompt(int testId) const
{
    ProbePrompt prompt;
    prompt.ids = m_reader->promptIds(testId);
    for (const SessionTest& t : m_reader->tests())
        if (t.id == testId && t.spanEnd > t.spanStart)
            prompt.needleSpan = std::make_pair(t.spanStart, t.spanEnd);
    return prompt;
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
    for (const SessionTest& t : m_reader->tests())
        if (t.id == testId) {
            row.needleBegin = static_cast<int>(t.spanStart);
            row.needleEnd = static_cast<int>(t.spanEnd);
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
    const SessionManifest& manifest = m_reader->manifest();
    try {
        if (!m_tokenizerTried) {
            m_tokenizerTried = true;
            const std::filesystem::path dir = manifest.modelPath;
            if (std::filesystem::exists(dir / "tokenizer.json")) {
                auto tok = std::make_shared<Tokenizer>(Tokenizer::fromDirectory(dir));
                if (tok->sha256() == manifest.tokenizerSha256)
                    m_tokenizer = std::move(tok);
            }
            const std::string& h = manifest.haystack;
            if (h.rfind("synthetic seed=", 0) == 0) {
                // The generator is deterministic and prefix-stable, so any length long enough
                // for the largest context rebuilds the same text.
                m_haystack = syntheticHaystack(std::stoull(h.substr(15)), 400000);
            } else if (h.rfind("dir ", 0) == 0) {
                const std::string path = h.substr(4, h.find(" sha256=") == std::string::npos ? std::string::npos
                                                                                             : h.find(" sha256=") - 4);
                if (std::filesystem::is_directory(path))
                    m_haystack = readHaystackDirectory(path);
            } else if (h.rfind("file ", 0) == 0) {
                QFile f(QString::fromStdString(h.substr(5)));
                if (f.open(QIODevice::ReadOnly))
                    m_haystack = f.readAll().toStdString();
            }
        }
        if (!m_tokenizer || m_haystack.empty())
            return tokens;
        const SessionTest* test = nullptr;
        for (const SessionTest& t : m_reader->tests())
            if (t.id == testId)
                test = &t;
        std::vector<Needle> needles;
        {
            const QStringList lines = QString::fromStdString(manifest.needlesJsonl).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
            if (!test || test->needleIndex >= lines.size())
                return tokens;
            const QJsonObject o = QJsonDocument::fromJson(lines[test->needleIndex].toUtf8()).object();
            Needle n{o.value(QStringLiteral("needle")).toString().toStdString(),
                     o.value(QStringLiteral("question")).toString().toStdString(),
                     o.value(QStringLiteral("real_needle")).toString().toStdString(),
                     o.value(QStringLiteral("answer")).toString().toStdString()};
            needles.push_back(std::move(n));
        }
        PromptOptions options;
        options.promptTemplate = manifest.promptTemplate;
        options.addBos = manifest.addBos;
        if (manifest.chatTemplate != "none")
            options.chat = chatTemplateFromName(manifest.chatTemplate);
        const BuiltPrompt prompt = buildPrompt(*m_tokenizer, m_haystack, needles.front(), test->length, test->depth, options);
        // Only trust the rebuild if it lands the needle exactly where the run recorded it.
        if (prompt.spanStart != test->spanStart || prompt.spanEnd != test->spanEnd ||
            static_cast<int64_t>(prompt.ids.size()) != test->promptLength)
            return tokens;
        for (int32_t id : prompt.ids)
            tokens << QString::fromStdString(m_tokenizer->decode(std::span<const int32_t>(&id, 1)));
        for (int32_t id : test->generatedIds)
            tokens << QString::fromStdString(m_tokenizer->decode(std::span<const int32_t>(&id, 1)));
    } catch (const Error&) {
        tokens.clear(); // token text is a convenience; the row itself is still shown
    } catch (const std::exception&) {
        tokens.clear();
    }
    return tokens;
}

} // namespace headscope::app
