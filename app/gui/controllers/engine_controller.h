#pragma once
// EngineController: the GUI's only door to the model. A worker QObject living on its own
// QThread; it owns the Engine and every call into it. Requests arrive as queued slot calls;
// results leave as queued signals carrying immutable snapshots (shared_ptr<const T>). Every
// headscope::Error (and any std::exception) is caught here and reported through failed().
// Cancellation of long runs goes through requestStop(), which is thread-safe.
#include "headscope/core/budget_plan.h"
#include "headscope/core/model_config.h"
#include "headscope/core/score_matrix.h"

#include <QObject>
#include <QString>
#include <QList>
#include <QPair>
#include <QStringList>
#include <QThread>

#include <memory>
#include <optional>
#include <stop_token>
#include <utility>
#include <vector>

namespace headscope {
class Engine;
struct ProbeRunConfig;
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

// Greedy generations of one prompt: the full model and a variant — a compressed cache under
// `budget` (core compareGeneration: KL and top-1 teacher-forced on the full run), or, without a
// budget, the same cache with `maskedHeads` zeroed — with per-step KL(full ‖ variant).
// The prompt is either typed text (encoded with the checkpoint's tokenizer) or, when promptIds
// is set, a probe test's recorded token ids, fed as they are.
struct CompareRequest {
    QString prompt;
    std::vector<int32_t> promptIds;
    // [begin, end) of the needle in promptIds: compressed runs then report the needle tokens
    // each stored head kept, as `headscope-cli compare --session S.h5 --test N` does.
    std::optional<std::pair<int64_t, int64_t>> needleSpan;
    QString promptSource; // e.g. "probe test 3 of run.h5"; names the ids in titles and errors
    QList<QPair<int, int>> maskedHeads; // (layer, query head)
    std::shared_ptr<const BudgetPlan> budget;
    int maxNewTokens = 24;
};

struct CompareResult {
    QString variantTitle;                  // e.g. "2 heads masked"
    QStringList fullTokens, variantTokens; // decoded generated tokens
    std::vector<double> klPerStep;         // [steps]
    double fullPrefillMs = 0, variantPrefillMs = 0;
    double fullDecodeMs = 0, variantDecodeMs = 0;
    qint64 fullKvBytes = 0, variantKvBytes = 0;
    double top1Agreement = -1.0;           // compressed runs: teacher-forced top-1 agreement
    QString promptSource;                  // CompareRequest::promptSource, empty for typed prompts
    qint64 promptTokens = 0;               // ids the model was actually fed
    QString promptText;                    // the prompt decoded (empty without a tokenizer)
    // Compressed runs with a needle span: needle tokens kept per [layer][stored head].
    std::vector<std::vector<int64_t>> needleKept;
    qint64 needleLength = 0;
    double needleKeptFraction = 0.0;
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
    void runProbe(std::shared_ptr<const headscope::ProbeRunConfig> config, std::stop_token stop);
    void compare(const headscope::app::CompareRequest& request, std::stop_token stop);

Q_SIGNALS:
    void compared(std::shared_ptr<const headscope::app::CompareResult> result);
    void checkpointLoaded(std::shared_ptr<const headscope::app::CheckpointInfo> info);
    void probeProgress(std::shared_ptr<const headscope::app::ProbeSnapshot> snapshot);
    void probeFinished(const headscope::app::ProbeOutcome& outcome);
    void busyWaitFinished(bool stopped);
    void failed(const QString& what, const QString& message);
    // The engine's compute dtype and the process's peak memory, e.g. "bf16 · peak 2.71 GB":
    // after a load, each probe test and each comparison.
    void engineStatus(const QString& text);

private:
    void reportStatus();

    std::unique_ptr<Engine> m_engine;
};

class EngineController : public QObject {
    Q_OBJECT
public:
    explicit EngineController(QObject* parent = nullptr);
    ~EngineController() override;

    void loadCheckpoint(const QString& directory, bool loadWeights = false);
    void busyWait(int ms);
    void runProbe(std::shared_ptr<const ProbeRunConfig> config);
    void compare(const CompareRequest& request);
    void requestStop();
    bool isBusy() const { return m_pending > 0; }
    QThread* workerThread() { return &m_thread; }
    const CheckpointInfo* checkpoint() const { return m_checkpoint.get(); }

Q_SIGNALS:
    void checkpointLoaded(std::shared_ptr<const headscope::app::CheckpointInfo> info);
    void busyWaitFinished(bool stopped);
    void probeProgress(std::shared_ptr<const headscope::app::ProbeSnapshot> snapshot);
    void probeFinished(const headscope::app::ProbeOutcome& outcome);
    void compared(std::shared_ptr<const headscope::app::CompareResult> result);
    void failed(const QString& what, const QString& message);
    void busyChanged(bool busy);
    void engineStatus(const QString& text); // EngineWorker::engineStatus, on the GUI thread

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
Q_DECLARE_METATYPE(std::shared_ptr<const headscope::app::CompareResult>)
