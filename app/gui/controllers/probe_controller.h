#pragma once
// ProbeController: probe runs started from the GUI. Checks what the GUI can word better than core
// (an existing session file without "Continue this session"), hands the request to the
// EngineController, and says how each run ended — finished, or cancelled with how many tests it
// kept — without opening anything by itself. Also prepares ablations: the request that re-runs
// an open session's probe grid (or the subset the Session filters accept) with some heads
// masked, and, when that run ends, the accuracy of each test next to the session's
// (views::AblationSummary). GUI thread only.
#include "controllers/engine_controller.h"
#include "models/ablation_summary.h"

#include "headscope/core/probe_request.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include <map>
#include <memory>

namespace headscope::views {
class SessionSource;
}

namespace headscope::app {

class ProbeController : public QObject {
    Q_OBJECT
public:
    explicit ProbeController(EngineController* engine, QObject* parent = nullptr);

    // Starts the run; failed() instead when the request is refused.
    void start(const ProbeRequest& request);
    bool isRunning() const { return m_running; }
    // Tests of the run in flight finished so far and in all (for "quit while running?").
    int done() const { return m_done; }
    int total() const { return m_total; }
    QString runningSession() const { return m_out; }

    // The request that recorded `session` (core's requestFromManifest) with `heads` masked, only
    // the given lengths and depths (percent; empty: all), written beside it as
    // "<name>_without_<n>_heads.h5" (a free name). *note says what to check before starting (a
    // session that does not record its generation settings). Throws UsageError naming the
    // session when it is not a probe session.
    ProbeRequest ablationRequest(const views::SessionSource& session, const QList<QPair<int, int>>& heads,
                                 const std::vector<int>& lengths, const std::vector<double>& depthsPercent,
                                 QString* note) const;
    // When a run writes `maskedPath`, summarize it against `basePath` (ablationSummarized).
    void expectAblation(const QString& maskedPath, const QString& basePath, const QString& heads);

Q_SIGNALS:
    void runStarted(int total);
    // How the run ended, in one line (ProbeOutcome::describe), and the session it wrote.
    void runEnded(const headscope::app::ProbeOutcome& outcome, const QString& message);
    void ablationSummarized(const headscope::views::AblationSummary& summary);
    void failed(const QString& what, const QString& message);

private:
    void onFinished(const ProbeOutcome& outcome);

    EngineController* m_engine;
    bool m_running = false;
    int m_done = 0;
    int m_total = 0;
    QString m_out;
    struct Expected {
        QString base;
        QString heads;
    };
    std::map<QString, Expected> m_ablations; // masked session path → what it ablates
};

} // namespace headscope::app

Q_DECLARE_METATYPE(headscope::views::AblationSummary)
