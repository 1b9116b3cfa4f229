#include "controllers/engine_controller.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/tokenizer.h"
#include "headscope/engine/engine.h"

#include <QMetaObject>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
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
    } catch (const Error& e) {
        Q_EMIT failed(what, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        Q_EMIT failed(what, QStringLiteral("unexpected error: %1").arg(QString::fromStdString(e.what())));
    }
}

void EngineWorker::busyWait(int ms, std::stop_token token)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end && !token.stop_requested())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Q_EMIT busyWaitFinished(token.stop_requested());
}

void EngineWorker::runProbe(std::shared_ptr<const ProbeRequest> config, std::stop_token stop)
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

// Recorded ids come from whatever model the session was probed with; the engine would refuse
// them too, but only this message says which test and what to do about it.
void checkVocabulary(const std::vector<int32_t>& ids, const ModelConfig& config, const std::string& source)
{
    const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    if (*lo < 0 || *hi >= config.vocabSize)
        throw UsageError(source + " uses token id " + std::to_string(*lo < 0 ? *lo : *hi) +
                         " but the loaded model's vocabulary has " + std::to_string(config.vocabSize) +
                         " ids (0.." + std::to_string(config.vocabSize - 1) +
                         "): load the checkpoint the session was recorded with");
}

} // namespace

void EngineWorker::compare(const CompareJob& job, std::stop_token stop)
{
    const std::string& source = job.request.promptSource;
    const QString what = source.empty() ? QStringLiteral("Comparing generations")
                                        : QStringLiteral("Comparing generations on %1").arg(QString::fromStdString(source));
    try {
        if (!m_engine || !m_engine->isLoaded())
            throw UsageError("no model weights are loaded: use File ▸ Load model weights into the engine first");
        ComparisonRequest request = job.request;
        const bool recorded = !request.promptIds.empty();
        if (!recorded && job.prompt.trimmed().isEmpty())
            throw UsageError("enter a prompt to compare, or click a needle-grid cell and tick \"Use selected probe "
                             "test\"");
        // A typed prompt needs the tokenizer to become ids; recorded ids only use it for display.
        const std::filesystem::path dir = m_engine->checkpointDir();
        std::optional<Tokenizer> tokenizer;
        if (!recorded || std::filesystem::exists(dir / "tokenizer.json"))
            tokenizer = Tokenizer::fromDirectory(dir);
        if (recorded)
            checkVocabulary(request.promptIds, m_engine->config(), source);
        else
            request.promptIds = tokenizer->encode(job.prompt.toStdString(), tokenizer->addsBosByDefault());
        auto result = std::make_shared<Comparison>(compareGeneration(*m_engine, request, stop));
        describeTokens(*result, tokenizer ? &*tokenizer : nullptr);
        Q_EMIT compared(std::move(result));
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
    qRegisterMetaType<std::shared_ptr<const Comparison>>();
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
    connect(m_worker, &EngineWorker::probeFinished, this, [this](const ProbeOutcome& outcome) {
        finished();
        Q_EMIT probeFinished(outcome);
    });
    connect(m_worker, &EngineWorker::compared, this, [this](std::shared_ptr<const Comparison> result) {
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

void EngineController::runProbe(const ProbeRequest& request)
{
    try {
        request.validate();
    } catch (const Error& e) {
        Q_EMIT failed(QStringLiteral("Starting the probe"), QString::fromStdString(e.what()));
        return;
    }
    started();
    m_stop = std::stop_source();
    QMetaObject::invokeMethod(
        m_worker,
        [w = m_worker, config = std::make_shared<const ProbeRequest>(request), token = m_stop.get_token()] {
            w->runProbe(config, token);
        },
        Qt::QueuedConnection);
}

void EngineController::compare(const CompareJob& job)
{
    started();
    m_stop = std::stop_source();
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, job, token = m_stop.get_token()] { w->compare(job, token); }, Qt::QueuedConnection);
}

void EngineController::requestStop()
{
    m_stop.request_stop();
}

} // namespace headscope::app
