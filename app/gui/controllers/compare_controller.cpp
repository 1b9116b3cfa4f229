#include "controllers/compare_controller.h"

#include "models/session_source.h"

#include "headscope/core/compression.h"
#include "headscope/core/errors.h"

#include <QFileInfo>

namespace headscope::app {

CompareController::CompareController(EngineController* engine, QObject* parent) : QObject(parent), m_engine(engine)
{
}

void CompareController::setSession(std::shared_ptr<const views::SessionSource> session)
{
    m_session = std::move(session);
}

std::optional<CompareJob> CompareController::job(const QString& prompt, int probeTest)
{
    CompareJob job;
    job.request.options.maxNewTokens = kMaxNewTokens;
    if (probeTest < 0) {
        job.prompt = prompt;
        return job;
    }
    const QString what = QStringLiteral("Comparing on probe test %1").arg(probeTest);
    try {
        const views::TestInfo* test = m_session ? m_session->findTest(probeTest) : nullptr;
        if (!test)
            throw UsageError("comparing on a probe test needs an open probe session (.h5) with test " +
                             std::to_string(probeTest));
        job.request.promptIds = m_session->promptIds(probeTest);
        job.request.needleSpan = test->needleSpan;
        job.request.promptSource = QStringLiteral("probe test %1 of %2")
                                       .arg(probeTest)
                                       .arg(QFileInfo(m_session->path()).fileName())
                                       .toStdString();
        return job;
    } catch (const Error& e) {
        Q_EMIT failed(what, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        Q_EMIT failed(what, QStringLiteral("unexpected error: %1").arg(QString::fromStdString(e.what())));
    }
    return std::nullopt;
}

void CompareController::compareCompressed(const QString& prompt, int probeTest, const std::optional<BudgetPlan>& plan)
{
    if (!plan) {
        Q_EMIT failed(QStringLiteral("Comparing full and compressed generation"),
                      QStringLiteral("No budget plan yet: open a session or score file and choose a method on the "
                                     "Budgets tab, then run the comparison."));
        return;
    }
    std::optional<CompareJob> j = job(prompt, probeTest);
    if (!j)
        return;
    auto spec = std::make_shared<CompressionSpec>();
    spec->plan = *plan;
    j->request.compression = std::move(spec);
    Q_EMIT started(QStringLiteral("Generating with the full and the compressed cache…"));
    m_engine->compare(*j);
}

void CompareController::compareMasked(const QList<QPair<int, int>>& heads, const QString& prompt, int probeTest)
{
    std::optional<CompareJob> j = job(prompt, probeTest);
    if (!j)
        return;
    for (const auto& [layer, head] : heads)
        j->request.maskedHeads.push_back(HeadRef{layer, head});
    Q_EMIT started(QStringLiteral("Generating with and without %1 head(s)…").arg(heads.size()));
    m_engine->compare(*j);
}

} // namespace headscope::app
