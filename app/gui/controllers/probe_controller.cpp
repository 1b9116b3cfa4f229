#include "controllers/probe_controller.h"

#include "controllers/session_file_source.h"

#include "headscope/core/errors.h"
#include "headscope/core/head_list.h"
#include "headscope/core/probe_runner.h"
#include "headscope/core/session.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace headscope::app {

ProbeController::ProbeController(EngineController* engine, QObject* parent) : QObject(parent), m_engine(engine)
{
    qRegisterMetaType<views::AblationSummary>();
    connect(m_engine, &EngineController::probeFinished, this, &ProbeController::onFinished);
    connect(m_engine, &EngineController::probeProgress, this, [this](const std::shared_ptr<const ProbeSnapshot>& s) {
        m_done = s->done;
        m_total = s->total;
    });
    connect(m_engine, &EngineController::failed, this, [this] { m_running = false; });
}

void ProbeController::start(const ProbeRequest& request)
{
    const QString out = QString::fromStdString(request.out.string());
    if (!request.resume && !out.isEmpty() && QFileInfo::exists(out)) {
        Q_EMIT failed(QStringLiteral("Starting the probe"),
                      QStringLiteral("%1 already exists. Tick “Continue this session” on the Probe tab to add the "
                                     "tests it lacks, or choose another session file.")
                          .arg(out));
        return;
    }
    m_running = true;
    m_done = 0;
    m_total = request.testCount();
    m_out = out;
    Q_EMIT runStarted(m_total);
    m_engine->runProbe(request);
}

ProbeRequest ProbeController::ablationRequest(const views::SessionSource& session, const QList<QPair<int, int>>& heads,
                                              const std::vector<int>& lengths, const std::vector<double>& depthsPercent,
                                              QString* note) const
{
    const auto* file = dynamic_cast<const SessionFileSource*>(&session);
    if (!file)
        throw UsageError(session.path().toStdString() + " is not a probe session file: there is no probe to re-run");
    const SessionManifest& manifest = file->reader().manifest();
    ProbeRequest r = requestFromManifest(manifest, session.path().toStdString());
    if (!lengths.empty())
        std::erase_if(r.lengths, [&](int l) { return std::find(lengths.begin(), lengths.end(), l) == lengths.end(); });
    if (!depthsPercent.empty())
        std::erase_if(r.depths, [&](double d) {
            return std::none_of(depthsPercent.begin(), depthsPercent.end(),
                                [d](double p) { return std::abs(p - d * 100.0) < 1e-6; });
        });
    if (r.lengths.empty() || r.depths.empty())
        throw UsageError("the Session filters accept no length or no depth of " + session.path().toStdString() +
                         ": tick at least one of each");
    r.maskedHeads.clear();
    for (const auto& [layer, head] : heads)
        r.maskedHeads.push_back(HeadRef{layer, head});
    if (r.maskedHeads.empty())
        throw UsageError("select the heads to mask first (Heads tab: click, Ctrl/Shift-click or drag, or \"Select top k\")");
    // A free name beside the session: never overwrite an earlier ablation.
    const QFileInfo base(session.path());
    const QString stem = QStringLiteral("%1_without_%2_heads").arg(base.completeBaseName()).arg(r.maskedHeads.size());
    QString out = base.dir().filePath(stem + QStringLiteral(".h5"));
    for (int i = 2; QFileInfo::exists(out); ++i)
        out = base.dir().filePath(QStringLiteral("%1_%2.h5").arg(stem).arg(i));
    r.out = out.toStdString();
    QStringList notes;
    if (manifest.maxNewTokens <= 0)
        notes << QStringLiteral("%1 does not record its generation settings: set max new tokens and the stops it "
                                "was run with, or the accuracies differ for that reason alone.")
                     .arg(base.fileName());
    notes << QStringLiteral("Re-runs %1 of %2 tests of %3 with %4 masked; the result shows under Ablation.")
                 .arg(r.testCount())
                 .arg(session.tests().size())
                 .arg(base.fileName(), QString::fromStdString(describeHeadList(r.maskedHeads)));
    if (note)
        *note = notes.join(QLatin1Char(' '));
    return r;
}

void ProbeController::expectAblation(const QString& maskedPath, const QString& basePath, const QString& heads)
{
    m_ablations[QFileInfo(maskedPath).absoluteFilePath()] = {basePath, heads};
}

void ProbeController::onFinished(const ProbeOutcome& outcome)
{
    m_running = false;
    Q_EMIT runEnded(outcome, outcome.describe());
    const auto it = m_ablations.find(QFileInfo(outcome.sessionPath).absoluteFilePath());
    if (it == m_ablations.end() || outcome.written + outcome.failed == 0)
        return;
    try {
        const auto base = SessionFileSource::open(it->second.base.toStdString());
        const auto masked = SessionFileSource::open(outcome.sessionPath.toStdString());
        Q_EMIT ablationSummarized(views::summarizeAblation(*base, *masked, it->second.heads));
    } catch (const Error& e) {
        Q_EMIT failed(QStringLiteral("Comparing %1 with %2").arg(outcome.sessionPath, it->second.base),
                      QString::fromStdString(e.what()));
    }
}

} // namespace headscope::app
