#pragma once
// SessionController: opens score files, probe sessions and eval results off the GUI thread (QtConcurrent)
// and hands the result to the GUI as an immutable OpenedDocument. Errors from the readers
// (headscope::Error) are caught here and reported through failed(what, message).
// GUI thread only; the reading itself runs on Qt's global pool and touches no widget.
#include "models/score_set.h"
#include "models/session_source.h"

#include "headscope/core/eval_results.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace headscope::app {

struct OpenedDocument {
    enum class Kind { ScoreFile, Session, Eval };
    Kind kind = Kind::ScoreFile;
    QString path;                                          // the file just read
    // Score files: their maps (after addScoreFile: every metric added). Sessions: the metrics of
    // score files added to it (shown beside the session's own, unfiltered).
    views::ScoreSet scores;
    std::shared_ptr<const views::SessionSource> session;   // sessions (null for score files)
    std::shared_ptr<const EvalReader> eval;                // eval results (`headscope-cli eval --out`)
    std::vector<EvalSummaryRow> evalSummary;               // … and their summary (bootstrap intervals)
    // Set when the file was added to the open score files as another metric: that metric.
    std::optional<HeadMetric> addedMetric;
};

class SessionController : public QObject {
    Q_OBJECT
public:
    explicit SessionController(QObject* parent = nullptr);

    // .json → score file; .h5/.hdf5 → eval results when its manifest says so, else a probe session.
    // Returns false (and emits failed) for other suffixes.
    bool open(const QString& path);
    // A score file whose metric joins the open document — score files, or a session's own
    // metrics — with the same shape required: failed() names both shapes otherwise, or the
    // metric when the session holds it already. Nothing open: the same as open().
    bool addScoreFile(const QString& path);
    static bool canOpen(const QString& path);
    const OpenedDocument* current() const { return m_current.get(); }
    // Forgets the open document (the panels must let go of its session too, so that its file is
    // closed: a probe run continuing that session writes into it).
    void close() { m_current.reset(); }
    bool isBusy() const { return m_busy > 0; }

Q_SIGNALS:
    void opened(std::shared_ptr<const headscope::app::OpenedDocument> document);
    void failed(const QString& what, const QString& message);

private:
    bool read(const QString& path, bool add);
    std::shared_ptr<const OpenedDocument> merged(const OpenedDocument& added, QString* error) const;

    std::shared_ptr<const OpenedDocument> m_current;
    int m_busy = 0;
};

} // namespace headscope::app

Q_DECLARE_METATYPE(std::shared_ptr<const headscope::app::OpenedDocument>)
