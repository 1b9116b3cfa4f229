#include "controllers/session_controller.h"

#include "controllers/score_file_loader.h"
#include "controllers/session_file_source.h"

#include "headscope/core/errors.h"

#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <variant>

namespace headscope::app {

namespace {
using Outcome = std::variant<std::shared_ptr<const OpenedDocument>, QString>;

Outcome readDocument(const QString& path)
{
    try {
        auto doc = std::make_shared<OpenedDocument>();
        doc->path = path;
        const QString suffix = QFileInfo(path).suffix().toLower();
        if (suffix == QLatin1String("json")) {
            doc->kind = OpenedDocument::Kind::ScoreFile;
            doc->scores = loadScoreFile(path);
        } else if (EvalReader::isEvalFile(path.toStdString())) {
            doc->kind = OpenedDocument::Kind::Eval;
            auto eval = EvalReader::open(path.toStdString());
            doc->evalSummary = eval->summary(); // the bootstrap is the slow part: here, off the GUI thread
            doc->eval = std::move(eval);
        } else {
            doc->kind = OpenedDocument::Kind::Session;
            doc->session = SessionFileSource::open(path.toStdString());
        }
        return std::shared_ptr<const OpenedDocument>(std::move(doc));
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        return QStringLiteral("unexpected error: %1").arg(QString::fromStdString(e.what()));
    }
}
} // namespace

SessionController::SessionController(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<std::shared_ptr<const OpenedDocument>>();
}

bool SessionController::canOpen(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("json") || suffix == QLatin1String("h5") || suffix == QLatin1String("hdf5");
}

bool SessionController::open(const QString& path)
{
    return read(path, false);
}

bool SessionController::addScoreFile(const QString& path)
{
    return read(path, true);
}

std::shared_ptr<const OpenedDocument> SessionController::merged(const OpenedDocument& added, QString* error) const
{
    auto doc = std::make_shared<OpenedDocument>(*m_current);
    const views::MetricMap& metric = added.scores.metrics.front();
    if (doc->session) {
        const views::SessionSource& session = *doc->session;
        if (metric.matrix.layers != session.layers() || metric.matrix.heads != session.heads()) {
            *error = QStringLiteral("%1 has %2 layers × %3 heads but the open session %4 has %5 × %6: a metric is "
                                    "added only to scores of the same model")
                         .arg(added.path)
                         .arg(metric.matrix.layers)
                         .arg(metric.matrix.heads)
                         .arg(QFileInfo(session.path()).fileName())
                         .arg(session.layers())
                         .arg(session.heads());
            return nullptr;
        }
        const std::vector<HeadMetric> held = session.metrics();
        if (std::find(held.begin(), held.end(), metric.metric) != held.end()) {
            *error = QStringLiteral("the open session %1 already has %2 from its own tests: open %3 on its own "
                                    "(File ▸ Open) to see the file's values")
                         .arg(QFileInfo(session.path()).fileName(), views::metricLabel(metric.metric), added.path);
            return nullptr;
        }
        std::erase_if(doc->scores.metrics, [&](const views::MetricMap& m) { return m.metric == metric.metric; });
        doc->scores.metrics.push_back(metric);
        doc->scores.source = session.path();
    } else if (!doc->scores.addMetric(metric, added.path, error)) {
        return nullptr;
    }
    doc->path = added.path;
    doc->addedMetric = metric.metric;
    return doc;
}

bool SessionController::read(const QString& path, bool add)
{
    const QString what = (add ? QStringLiteral("Adding %1") : QStringLiteral("Opening %1")).arg(path);
    if (!canOpen(path)) {
        Q_EMIT failed(what, QStringLiteral("%1: unknown file type (expected a score file .json, or a probe "
                                           "session or eval results .h5)")
                                .arg(path));
        return false;
    }
    ++m_busy;
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, what, add, path] {
        --m_busy;
        const Outcome outcome = watcher->result();
        watcher->deleteLater();
        const auto* read = std::get_if<std::shared_ptr<const OpenedDocument>>(&outcome);
        if (!read) {
            Q_EMIT failed(what, std::get<QString>(outcome));
            return;
        }
        std::shared_ptr<const OpenedDocument> doc = *read;
        if (add && (*read)->kind != OpenedDocument::Kind::ScoreFile) {
            Q_EMIT failed(what, QStringLiteral("%1 is a probe session, not a score file: open it with File ▸ Open").arg(path));
            return;
        }
        const bool merge = add && !(*read)->scores.empty() && m_current &&
                           (m_current->session || !m_current->scores.empty());
        if (merge) {
            QString error;
            doc = merged(**read, &error);
            if (!doc) {
                Q_EMIT failed(what, error);
                return;
            }
        }
        if (!merge) { // a new document: views start afresh
            auto fresh = std::make_shared<OpenedDocument>(*doc);
            fresh->scores.document = views::nextDocumentId();
            doc = fresh;
        }
        m_current = doc;
        Q_EMIT opened(doc);
    });
    watcher->setFuture(QtConcurrent::run(readDocument, path));
    return true;
}

} // namespace headscope::app
