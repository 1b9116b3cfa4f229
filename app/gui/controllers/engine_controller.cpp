#include "controllers/engine_controller.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/comparison.h"
#include "headscope/core/compression.h"
#include "headscope/engine/engine.h"
#include "headscope/core/errors.h"
#include "headscope/core/memory_estimate.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/tokenizer.h"

#include <QMetaObject>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <span>
#include <thread>

namespace headscope::app {

EngineWorker::EngineWorker() = default;
EngineWorker::~EngineWorker() = default;

void EngineWorker::loadCheckpoint(const QString& directory, bool loadWeights)
{
    const QString what = QStringLiteral("Loading the checkpoint %1").arg(directory);
    try {
        auto info = std::make_shared<CheckpointInfo>();
        info->directory = directory;
        {
            const Checkpoint ckpt = Checkpoint::open(directory.toStdString());
            info->config = ckpt.config();
            info->weightBytes = ckpt.weightBytes();
            info->storedDtype = QString::fromStdString(std::string(elementTypeName(ckpt.storedDtype())));
        }
        if (loadWeights) {
            auto engine = std::make_unique<Engine>();
            engine->load(directory.toStdString());
            info->device = QString::fromStdString(engine->deviceDescription());
            info->engineLoaded = true;
            m_engine = std::move(engine);
        }
        Q_EMIT checkpointLoaded(std::move(info));
        reportStatus();
    } catch (const Error& e) {
        Q_EMIT failed(what, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        Q_EMIT failed(what, QStringLiteral("unexpected error: %1").arg(QString::fromStdString(e.what())));
    }
}

void EngineWorker::reportStatus()
{
    if (!m_engine || !m_engine->isLoaded())
        return;
    Q_EMIT engineStatus(QStringLiteral("%1 · peak %2")
                            .arg(QString::fromLatin1(dtypeName(m_engine->computeDtype()).data()),
                                 QString::fromStdString(formatBytes(peakResidentBytes()))));
}

void EngineWorker::busyWait(int ms, std::stop_token token)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end && !token.stop_requested())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Q_EMIT busyWaitFinished(token.stop_requested());
}

void EngineWorker::runProbe(std::shared_ptr<const ProbeRunConfig> config, std::stop_token stop)
{
    const QString what = QStringLiteral("Running the probe into %1").arg(QString::fromStdString(config->out.string()));
    try {
        if (!m_engine || !m_engine->isLoaded())
            throw UsageError("no model weights are loaded: use File ▸ Load model weights into the engine first");
        const Tokenizer tokenizer = Tokenizer::fromDirectory(m_engine->checkpointDir());
        ProbeRunner runner(*m_engine, tokenizer);
        std::vector<double> sum;
        int okTests = 0;
        int layers = 0;
        int heads = 0;
        const ProbeSummary summary = runner.run(
            *config,
            [&](const ProbeProgress& p) {
                auto snap = std::make_shared<ProbeSnapshot>();
                snap->done = p.done;
                snap->total = p.total;
                snap->elapsedSeconds = p.elapsedSeconds;
                snap->lastText = QString::fromStdString(p.last.text);
                const std::vector<double>& inf = p.last.scores.of(HeadMetric::Inf);
                if (p.last.status == "ok" && !inf.empty()) {
                    layers = p.last.scores.layers;
                    heads = p.last.scores.heads;
                    sum.resize(inf.size(), 0.0);
                    for (std::size_t i = 0; i < inf.size(); ++i)
                        sum[i] += inf[i];
                    ++okTests;
                }
                snap->meanInf.layers = layers;
                snap->meanInf.heads = heads;
                snap->meanInf.metric = "inf";
                for (double v : sum)
                    snap->meanInf.values.push_back(v / std::max(okTests, 1));
                Q_EMIT probeProgress(std::move(snap));
                reportStatus();
            },
            stop);
        ProbeOutcome outcome;
        outcome.sessionPath = QString::fromStdString(config->out.string());
        outcome.written = summary.testsWritten;
        outcome.failed = summary.testsFailed;
        outcome.cancelled = stop.stop_requested();
        outcome.seconds = summary.seconds;
        Q_EMIT probeFinished(outcome);
    } catch (const CancelledError&) {
        ProbeOutcome outcome;
        outcome.sessionPath = QString::fromStdString(config->out.string());
        outcome.cancelled = true;
        Q_EMIT probeFinished(outcome);
    } catch (const Error& e) {
        Q_EMIT failed(what, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        Q_EMIT failed(what, QStringLiteral("unexpected error: %1").arg(QString::fromStdString(e.what())));
    }
}

namespace {

// Token texts for display; without a tokenizer (recorded ids on a checkpoint that has none)
// each token shows as its id, so the two runs can still be compared token by token.
QStringList tokenTexts(const std::optional<Tokenizer>& tokenizer, const std::vector<int32_t>& ids)
{
    QStringList out;
    for (int32_t id : ids)
        out << (tokenizer ? QString::fromStdString(tokenizer->decode(std::span<const int32_t>(&id, 1)))
                          : QStringLiteral("⟨%1⟩").arg(id));
    return out;
}

// Recorded ids come from whatever model the session was probed with; the engine would refuse
// them too, but only this message says which test and what to do about it.
void checkVocabulary(const std::vector<int32_t>& ids, const ModelConfig& config, const QString& source)
{
    if (ids.empty())
        throw UsageError(source.toStdString() + " has an empty prompt");
    const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    if (*lo < 0 || *hi >= config.vocabSize)
        throw UsageError(source.toStdString() + " uses token id " + std::to_string(*lo < 0 ? *lo : *hi) +
                         " but the loaded model's vocabulary has " + std::to_string(config.vocabSize) +
                         " ids (0.." + std::to_string(config.vocabSize - 1) +
                         "): load the checkpoint the session was recorded with");
}

std::shared_ptr<CompareResult> maskedComparison(Engine& engine, const std::optional<Tokenizer>& tokenizer,
                                                const std::vector<int32_t>& ids, const CompareRequest& request,
                                                std::stop_token stop)
{
    if (request.maskedHeads.isEmpty())
        throw UsageError("select at least one head to mask (click it in the Heads view)");
    GenerateOptions options;
    options.maxNewTokens = request.maxNewTokens;
    options.keepLogProbs = true;
    const GenerateResult full = engine.generate(ids, options, nullptr, stop);
    for (const auto& [layer, head] : request.maskedHeads)
        options.maskedHeads.push_back(HeadRef{layer, head});
    const GenerateResult variant = engine.generate(ids, options, nullptr, stop);

    auto result = std::make_shared<CompareResult>();
    result->variantTitle = QStringLiteral("%1 head(s) masked").arg(request.maskedHeads.size());
    result->fullTokens = tokenTexts(tokenizer, full.generatedIds);
    result->variantTokens = tokenTexts(tokenizer, variant.generatedIds);
    const std::size_t steps = std::min(full.stepLogProbs.size(), variant.stepLogProbs.size());
    for (std::size_t t = 0; t < steps; ++t)
        result->klPerStep.push_back(klDivergence(full.stepLogProbs[t], variant.stepLogProbs[t]));
    result->fullPrefillMs = full.prefillMs;
    result->variantPrefillMs = variant.prefillMs;
    result->fullDecodeMs = full.decodeMsPerToken;
    result->variantDecodeMs = variant.decodeMsPerToken;
    result->fullKvBytes = full.kvBytes;
    result->variantKvBytes = variant.kvBytes;
    result->promptTokens = static_cast<qint64>(full.promptIds.size());
    return result;
}

std::shared_ptr<CompareResult> compressedComparison(Engine& engine, const std::optional<Tokenizer>& tokenizer,
                                                    const std::vector<int32_t>& ids, const CompareRequest& request,
                                                    std::stop_token stop)
{
    ComparisonRequest r;
    r.promptIds = ids;
    r.needleSpan = request.needleSpan;
    r.options.maxNewTokens = request.maxNewTokens;
    auto spec = std::make_shared<CompressionSpec>();
    spec->plan = *request.budget;
    r.compression = spec;
    const Comparison c = compareGeneration(engine, r, stop);

    auto result = std::make_shared<CompareResult>();
    int64_t base = 0;
    for (int64_t cap : spec->plan.capacities)
        base += cap;
    const double meanCap = spec->plan.capacities.empty() ? 0.0 : double(base) / double(spec->plan.capacities.size());
    result->variantTitle = QStringLiteral("Compressed: %1, mean %2 + %3 tokens per head")
                               .arg(QString::fromStdString(spec->plan.method))
                               .arg(meanCap, 0, 'f', 1)
                               .arg(spec->plan.window);
    result->fullTokens = tokenTexts(tokenizer, c.full.generatedIds);
    result->variantTokens = tokenTexts(tokenizer, c.compressed.generatedIds);
    for (const StepComparison& s : c.steps)
        result->klPerStep.push_back(s.kl);
    result->top1Agreement = c.top1Agreement;
    result->fullPrefillMs = c.full.prefillMs;
    result->variantPrefillMs = c.compressed.prefillMs;
    result->fullDecodeMs = c.full.decodeMsPerToken;
    result->variantDecodeMs = c.compressed.decodeMsPerToken;
    result->fullKvBytes = c.full.kvBytes;
    result->variantKvBytes = c.compressed.kvBytes;
    result->promptTokens = static_cast<qint64>(c.full.promptIds.size());
    result->needleKept = c.needleKept;
    result->needleLength = c.needleLength;
    result->needleKeptFraction = c.needleKeptFraction;
    return result;
}

} // namespace

void EngineWorker::compare(const CompareRequest& request, std::stop_token stop)
{
    const QString what = request.promptSource.isEmpty()
                             ? QStringLiteral("Comparing generations")
                             : QStringLiteral("Comparing generations on %1").arg(request.promptSource);
    try {
        if (!m_engine || !m_engine->isLoaded())
            throw UsageError("no model weights are loaded: use File ▸ Load model weights into the engine first");
        const bool recorded = !request.promptIds.empty();
        if (!recorded && request.prompt.trimmed().isEmpty())
            throw UsageError("enter a prompt to compare, or click a needle-grid cell and tick \"Use selected probe "
                             "test\"");
        // A typed prompt needs the tokenizer to become ids; recorded ids only use it for display.
        const std::filesystem::path dir = m_engine->checkpointDir();
        std::optional<Tokenizer> tokenizer;
        if (!recorded || std::filesystem::exists(dir / "tokenizer.json"))
            tokenizer = Tokenizer::fromDirectory(dir);
        std::vector<int32_t> ids = request.promptIds;
        if (recorded)
            checkVocabulary(ids, m_engine->config(), request.promptSource);
        else
            ids = tokenizer->encode(request.prompt.toStdString(), tokenizer->addsBosByDefault());
        auto result = request.budget ? compressedComparison(*m_engine, tokenizer, ids, request, stop)
                                     : maskedComparison(*m_engine, tokenizer, ids, request, stop);
        result->promptSource = request.promptSource;
        if (tokenizer)
            result->promptText = QString::fromStdString(tokenizer->decode(ids));
        Q_EMIT compared(std::move(result));
        reportStatus();
    } catch (const CancelledError&) {
        Q_EMIT failed(what, QStringLiteral("cancelled"));
    } catch (const Error& e) {
        Q_EMIT failed(what, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        Q_EMIT failed(what, QStringLiteral("unexpected error: %1").arg(QString::fromStdString(e.what())));
    }
}

EngineController::EngineController(QObject* parent) : QObject(parent), m_worker(new EngineWorker)
{
    qRegisterMetaType<std::shared_ptr<const CheckpointInfo>>();
    qRegisterMetaType<std::shared_ptr<const ProbeSnapshot>>();
    qRegisterMetaType<ProbeOutcome>();
    qRegisterMetaType<std::shared_ptr<const CompareResult>>();
    m_thread.setObjectName(QStringLiteral("headscope-engine"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &EngineWorker::checkpointLoaded, this,
            [this](std::shared_ptr<const CheckpointInfo> info) {
                m_checkpoint = info;
                finished();
                Q_EMIT checkpointLoaded(std::move(info));
            });
    connect(m_worker, &EngineWorker::busyWaitFinished, this, [this](bool stopped) {
        finished();
        Q_EMIT busyWaitFinished(stopped);
    });
    connect(m_worker, &EngineWorker::probeProgress, this, &EngineController::probeProgress);
    connect(m_worker, &EngineWorker::engineStatus, this, &EngineController::engineStatus);
    connect(m_worker, &EngineWorker::probeFinished, this, [this](const ProbeOutcome& outcome) {
        finished();
        Q_EMIT probeFinished(outcome);
    });
    connect(m_worker, &EngineWorker::compared, this, [this](std::shared_ptr<const CompareResult> result) {
        finished();
        Q_EMIT compared(std::move(result));
    });
    connect(m_worker, &EngineWorker::failed, this, [this](const QString& what, const QString& message) {
        finished();
        Q_EMIT failed(what, message);
    });
    m_thread.start();
}

EngineController::~EngineController()
{
    requestStop();
    m_thread.quit();
    m_thread.wait();
}

void EngineController::started()
{
    if (m_pending++ == 0)
        Q_EMIT busyChanged(true);
}

void EngineController::finished()
{
    if (m_pending > 0 && --m_pending == 0)
        Q_EMIT busyChanged(false);
}

void EngineController::loadCheckpoint(const QString& directory, bool loadWeights)
{
    started();
    QMetaObject::invokeMethod(m_worker, [w = m_worker, directory, loadWeights] { w->loadCheckpoint(directory, loadWeights); },
                              Qt::QueuedConnection);
}

void EngineController::busyWait(int ms)
{
    started();
    // A fresh stop_source per request: a stop asked for an earlier run must not cancel this one.
    m_stop = std::stop_source();
    QMetaObject::invokeMethod(m_worker, [w = m_worker, ms, token = m_stop.get_token()] { w->busyWait(ms, token); },
                              Qt::QueuedConnection);
}

void EngineController::runProbe(std::shared_ptr<const ProbeRunConfig> config)
{
    started();
    m_stop = std::stop_source();
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, config = std::move(config), token = m_stop.get_token()] { w->runProbe(config, token); },
        Qt::QueuedConnection);
}

void EngineController::compare(const CompareRequest& request)
{
    started();
    m_stop = std::stop_source();
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, request, token = m_stop.get_token()] { w->compare(request, token); },
        Qt::QueuedConnection);
}

void EngineController::requestStop()
{
    m_stop.request_stop();
}

} // namespace headscope::app
