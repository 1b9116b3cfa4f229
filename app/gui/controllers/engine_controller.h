#pragma once
// EngineController: the GUI's only door to the model. A worker QObject living on its own
// QThread; it owns the Engine and every call into it. Requests arrive as queued slot calls;
// results leave as queued signals carrying immutable snapshots (shared_ptr<const T>). Every
// headscope::Error (and any std::exception) is caught here and reported through failed().
// Cancellation of long runs goes through requestStop(), which is thread-safe.
#include "headscope/core/comparison.h"
#include "headscope/core/model_config.h"
#include "headscope/core/probe_request.h"
#include "headscope/core/score_matrix.h"

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

// Immutable progress snapshot of a probe run: counts and the running mean InfScore map.
struct ProbeSnapshot {
    int done = 0;
    int total = 0;
    double elapsedSeconds = 0.0;
    ScoreMatrix meanInf;  // [layers, heads] mean over the finished tests (status ok)
    QString lastText;     // the generated answer of the test just finished
};

struct ProbeOutcome {
    QString sessionPath;
    int written = 0;
    int failed = 0;
    bool cancelled = false;
    double seconds = 0.0;
};

// A comparison for the worker: core's request, whose prompt is either recorded ids (a probe
// test's, fed as they are) or, when those are empty, `prompt` — typed text the worker encodes
// with the checkpoint's tokenizer and its BOS policy.
struct CompareJob {
    QString prompt;
    ComparisonRequest request;
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
    // Runs a probe grid with the loaded Engine and the checkpoint's tokenizer, writing the
    // session as it goes; emits probeProgress per finished test and probeFinished at the end.
    void runProbe(std::shared_ptr<const headscope::ProbeRequest> request, std::stop_token stop);
    // core compareGeneration, with the token texts filled for display (describeTokens).
    void compare(const headscope::app::CompareJob& job, std::stop_token stop);

Q_SIGNALS:
    void compared(std::shared_ptr<const headscope::Comparison> result);
    void checkpointLoaded(std::shared_ptr<const headscope::app::CheckpointInfo> info);
    void probeProgress(std::shared_ptr<const headscope::app::ProbeSnapshot> snapshot);
    void probeFinished(const headscope::app::ProbeOutcome& outcome);
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
    // Validates the request here (ProbeRequest::validate, so a bad option fails at once, before
    // any work), then runs it on the worker.
    void runProbe(const ProbeRequest& request);
    void compare(const CompareJob& job);
    void requestStop();
    bool isBusy() const { return m_pending > 0; }
    QThread* workerThread() { return &m_thread; }
    const CheckpointInfo* checkpoint() const { return m_checkpoint.get(); }

Q_SIGNALS:
    void checkpointLoaded(std::shared_ptr<const headscope::app::CheckpointInfo> info);
    void busyWaitFinished(bool stopped);
    void probeProgress(std::shared_ptr<const headscope::app::ProbeSnapshot> snapshot);
    void probeFinished(const headscope::app::ProbeOutcome& outcome);
    void compared(std::shared_ptr<const headscope::Comparison> result);
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
Q_DECLARE_METATYPE(std::shared_ptr<const headscope::app::ProbeSnapshot>)
Q_DECLARE_METATYPE(headscope::app::ProbeOutcome)
Q_DECLARE_METATYPE(std::shared_ptr<const headscope::Comparison>)
