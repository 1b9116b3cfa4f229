#include "controllers/compare_controller.h"

#include "models/session_source.h"

#include "headscope/core/compression.h"
#include "headscope/core/errors.h"
#include "headscope/core/head_list.h"
#include "headscope/core/eval_replay.h"

#include <QFileInfo>

#include <algorithm>

namespace headscope::app {

CompareController::CompareController(EngineController* engine, QObject* parent) : QObject(parent), m_engine(engine)
{
}

void CompareController::setSession(std::shared_ptr<const views::SessionSource> session)
{
    m_session = std::move(session);
}

std::optional<CompareJob> CompareController::job(const QString& prompt, int probeTest, int timingRepeats)
{
    CompareJob job;
    job.request.options.maxNewTokens = kMaxNewTokens;
    job.request.timingRepeats = timingRepeats;
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

void CompareController::compareCompressed(const QString& prompt, int probeTest, const std::optional<BudgetPlan>& plan,
                                          int timingRepeats)
{
    if (!plan) {
        Q_EMIT failed(QStringLiteral("Comparing full and compressed generation"),
                      QStringLiteral("No budget plan yet: open a session or score file and choose a method on the "
                                     "Budgets tab, then run the comparison."));
        return;
    }
    std::optional<CompareJob> j = job(prompt, probeTest, timingRepeats);
    if (!j)
        return;
    auto spec = std::make_shared<CompressionSpec>();
    spec->plan = *plan;
    j->request.compression = std::move(spec);
    Q_EMIT started(QStringLiteral("Generating with the full and the compressed cache…"));
    m_engine->compare(*j);
}

void CompareController::compareMasked(const QList<QPair<int, int>>& heads, const QString& prompt, int probeTest,
                                      int timingRepeats)
{
    std::optional<CompareJob> j = job(prompt, probeTest, timingRepeats);
    if (!j)
        return;
    for (const auto& [layer, head] : heads)
        j->request.maskedHeads.push_back(HeadRef{layer, head});
    Q_EMIT started(QStringLiteral("Generating with and without %1…")
                       .arg(QString::fromStdString(describeHeadList(j->request.maskedHeads))));
    m_engine->compare(*j);
}

std::optional<CompareJob> CompareController::evalJob(const EvalReader& eval, int exampleIndex,
                                                     const EvalConfigKey& config, const ScoreMatrix* scores,
                                                     const ModelConfig* model)
{
    const QString file = QFileInfo(QString::fromStdString(eval.path().string())).fileName();
    const QString what = QStringLiteral("Comparing eval example %1 of %2 under %3")
                             .arg(exampleIndex)
                             .arg(file, QString::fromStdString(config.label()));
    try {
        if (config.isFull())
            throw UsageError("the full cache is what the other configurations are compared against; pick a "
                             "compressed configuration");
        if (!model)
            throw UsageError("load the model the eval ran on first (File ▸ Load model checkpoint…)");
        const auto& records = eval.records();
        const auto r = std::find_if(records.begin(), records.end(),
                                    [&](const EvalRecord& rec) { return rec.index == exampleIndex; });
        if (r == records.end())
            throw UsageError(eval.path().string() + " holds no finished example " + std::to_string(exampleIndex));
        const EvalRunSettings settings = evalRunSettings(eval.manifest(), eval.path().string());
        if (!scores && needsHeadScores(parseAllocationMethod(config.method)))
            throw UsageError(config.method + " needs the head scores the eval used (" +
                             (settings.scoresProvenance.empty() ? std::string("not recorded") : settings.scoresProvenance) +
                             "); open that session or score file first");
        CompareJob job;
        job.request.promptIds = eval.promptIds(exampleIndex);
        job.request.options.maxNewTokens = r->maxNewTokens > 0 ? r->maxNewTokens : kMaxNewTokens;
        job.request.compression = evalCompression(settings, config, r->promptTokens, scores, *model);
        job.request.promptSource = "eval example " + std::to_string(exampleIndex) +
                                   (r->dataset.empty() ? std::string() : " (" + r->dataset + ")") + " of " +
                                   file.toStdString() + ", " + config.label();
        return job;
    } catch (const Error& e) {
        Q_EMIT failed(what, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        Q_EMIT failed(what, QStringLiteral("unexpected error: %1").arg(QString::fromStdString(e.what())));
    }
    return std::nullopt;
}

void CompareController::compareEvalExample(const EvalReader& eval, int exampleIndex, const EvalConfigKey& config,
                                           const ScoreMatrix* scores)
{
    const CheckpointInfo* ckpt = m_engine->checkpoint();
    std::optional<CompareJob> j = evalJob(eval, exampleIndex, config, scores, ckpt ? &ckpt->config : nullptr);
    if (!j)
        return;
    Q_EMIT started(QStringLiteral("Generating eval example %1 with the full cache and %2…")
                       .arg(exampleIndex)
                       .arg(QString::fromStdString(config.label())));
    m_engine->compare(*j);
}

} // namespace headscope::app
