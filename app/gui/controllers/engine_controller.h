#pragma once
// EngineController: the GUI's only door to the model. A worker QObject living on its own
// QThread; it owns the Engine and every call into it. Requests arrive as queued slot calls;
// results leave as queued signals carrying immutable snapshots (shared_ptr<const T>). Every
// headscope::Error (and any std::exception) is caught here and reported through failed().
// Cancellation of long runs goes through requestStop(), which is thread-safe.
#include "headscope/core/model_config.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <memory>
#include <stop_token>

namespace headscope {
class Engine;
}

namespace headscope::app {

struct CheckpointInfo {
    QString directory;
    ModelConfig config;
    QString storedDtype;   // safetensors spelling of the embedding dtype, e.g. "BF16"
    qint64 weightBytes = 0;
    bool engineLoaded = false;  // true when the Engine holds the weights (not just the card)
    QString device;             // e.g. "cpu (2 threads), f32"
};

class EngineWorker : public QObject {
    Q_OBJECT
public:
    EngineWorker();
    ~EngineWorker() override;

public Q_SLOTS:
    // Reads config.json + safetensors headers (fast; no weights in memory) and, when
    // loadWeights is true, loads the Engine. Emits checkpointLoaded or failed.
    void loadCheckpoint(const QString& directory, bool loadWeights);
    // Sleeps in small steps until stopped or `ms` passed (exercises cancellation in tests).
    void busyWait(int ms, std::stop_token stop);

Q_SIGNALS:
    void checkpointLoaded(std::shared_ptr<const headscope::app::CheckpointInfo> info);
    void busyWaitFinished(bool stopped);
    void failed(const QString& what, const QString& message);

private:
    std::unique_ptr<Engine> m_engine;
};

class EngineController : public QObject {
    Q_OBJECT
public:
    explicit EngineController(QObject* parent = nullptr);
    ~EngineController() override;

    void loadCheckpoint(const QString& directory, bool loadWeights = false);
    void busyWait(int ms);
    void requestStop();
    bool isBusy() const { return m_pending > 0; }
    QThread* workerThread() { return &m_thread; }
    const CheckpointInfo* checkpoint() const { return m_checkpoint.get(); }

Q_SIGNALS:
    void checkpointLoaded(std::shared_ptr<const headscope::app::CheckpointInfo> info);
    void busyWaitFinished(bool stopped);
    void failed(const QString& what, const QString& message);
    void busyChanged(bool busy);

private:
    void started();
    void finished();

    QThread m_thread;
    EngineWorker* m_worker = nullptr;
    std::shared_ptr<const CheckpointInfo> m_checkpoint;
    std::stop_source m_stop; // GUI thread only; workers get tokens
    int m_pending = 0;
};

} // namespace headscope::app

Q_DECLARE_METATYPE(std::shared_ptr<const headscope::app::CheckpointInfo>)
