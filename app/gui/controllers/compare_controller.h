#pragma once
// CompareController: turns the Compare panel's intents into core ComparisonRequests for the
// engine worker — full vs compressed under the Budget tab's plan, or full vs masked heads — on
// the typed prompt or on a probe test's recorded prompt ids and needle span, read through the
// SessionSource interface. Failures that need no model (no plan, a session without prompt ids)
// are reported at once through failed(); the rest come from the EngineController. GUI thread only.
#include "controllers/engine_controller.h"

#include "headscope/core/budget_plan.h"

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

    // `probeTest` is a test id of the session, or -1 for the typed `prompt`.
    void compareCompressed(const QString& prompt, int probeTest, const std::optional<BudgetPlan>& plan);
    void compareMasked(const QList<QPair<int, int>>& heads, const QString& prompt, int probeTest);

    // The job compareCompressed/compareMasked would send (for tests); nullopt after failed().
    std::optional<CompareJob> job(const QString& prompt, int probeTest);

Q_SIGNALS:
    void failed(const QString& what, const QString& message);
    void started(const QString& status);

private:
    EngineController* m_engine;
    std::shared_ptr<const views::SessionSource> m_session;
};

} // namespace headscope::app
