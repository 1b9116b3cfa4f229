#include "controllers/engine_controller.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/engine.h"
#include "headscope/core/errors.h"

#include <QMetaObject>

#include <chrono>
#include <exception>
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

EngineController::EngineController(QObject* parent) : QObject(parent), m_worker(new EngineWorker)
{
    qRegisterMetaType<std::shared_ptr<const CheckpointInfo>>();
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

void EngineController::requestStop()
{
    m_stop.request_stop();
}

} // namespace headscope::app
