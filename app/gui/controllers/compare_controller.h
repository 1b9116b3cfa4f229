#pragma once
// CompareController: turns the Compare panel's intents into core ComparisonRequests for the
// engine worker — full vs compressed under the Budget tab's plan, or full vs masked heads — on
// the typed prompt or on a probe test's recorded prompt ids and needle span, read through the
// SessionSource interface, or on an example of an eval results file under one of its
// configurations (the plan rebuilt from the file's manifest). Failures that need no model (no plan, a session without prompt ids)
// are reported at once through failed(); the rest come from the EngineController. GUI thread only.
#include "controllers/engine_controller.h"

#include "headscope/core/budget_plan.h"
#include "headscope/core/eval_results.h"
#include "headscope/core/score_matrix.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include <memory>
#include <optional>

namespace headscope::views {
class SessionSource;
}

namespace headscope::app {

class CompareController : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxNewTokens = 24;

    CompareController(EngineController* engine, QObject* parent = nullptr);

    // The session whose probe tests can be compared on (null: none open).
    void setSession(std::shared_ptr<const views::SessionSource> session);

    // `probeTest` is a test id of the session, or -1 for the typed `prompt`; `timingRepeats` > 0
    // times that many runs of each side after the comparison (medians; 0: no timing claim).
    void compareCompressed(const QString& prompt, int probeTest, const std::optional<BudgetPlan>& plan,
                           int timingRepeats = 0);
    void compareMasked(const QList<QPair<int, int>>& heads, const QString& prompt, int probeTest, int timingRepeats = 0);

    // The eval example `exampleIndex` of `eval` with the full cache and with `config`'s compressed
    // cache, rebuilt as the run built it for the loaded model; `scores` are the head scores on
    // screen, used by headkv/dililazykv (the file records only where the run's came from).
    void compareEvalExample(const EvalReader& eval, int exampleIndex, const EvalConfigKey& config,
                            const ScoreMatrix* scores);

    // The job compareCompressed/compareMasked would send (for tests); nullopt after failed().
    std::optional<CompareJob> job(const QString& prompt, int probeTest, int timingRepeats = 0);
    // The job compareEvalExample would send with a model of `model`'s shape; nullopt after failed().
    std::optional<CompareJob> evalJob(const EvalReader& eval, int exampleIndex, const EvalConfigKey& config,
                                      const ScoreMatrix* scores, const ModelConfig* model);

Q_SIGNALS:
    void failed(const QString& what, const QString& message);
    void started(const QString& status);

private:
    EngineController* m_engine;
    std::shared_ptr<const views::SessionSource> m_session;
};

} // namespace headscope::app
