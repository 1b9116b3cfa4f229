#pragma once
// ProbePanel: sets up a needle-in-a-haystack probe run (length × depth grid, needles JSONL,
// haystack, session file), starts and cancels it, and shows progress with an ETA and the head
// map as tests finish. Its editors are read with core's parsers into a core ProbeRequest (the
// type the CLI fills too); the run itself lives in app/ (EngineController's worker). This widget
// only emits startRequested/cancelRequested and takes progress and snapshots as plain values.
// GUI thread only.
#include "headscope/core/probe_request.h"
#include "headscope/core/score_matrix.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace headscope::views {

class HeatmapPlot;

class ProbePanel : public QWidget {
    Q_OBJECT
public:
    explicit ProbePanel(QWidget* parent = nullptr);

    // The editors read with core's parsers (parseLengths, parseDepths, parseNeedles,
    // HaystackSpec). Throws headscope::Error naming the field (and the JSONL line). Options are
    // validated by ProbeRequest::validate() where the run starts, not here.
    ProbeRequest request() const;
    // Needles JSONL in and out of the editor, through core's parser; false and *error naming
    // the file (and line) on failure.
    bool loadNeedles(const QString& path, QString* error);
    bool saveNeedles(const QString& path, QString* error) const;
    void setCudaAvailable(bool available);
    QString device() const; // "cpu" | "cuda"
    // "m:ss" remaining, from the tests done so far; empty before the first one.
    static QString eta(int done, int total, double elapsedSeconds);

    QLineEdit* lengthsEdit() const { return m_lengths; }
    QLineEdit* depthsEdit() const { return m_depths; }
    QLineEdit* outputEdit() const { return m_output; }
    QSpinBox* maxTokensBox() const { return m_maxTokens; }
    QLineEdit* haystackEdit() const { return m_haystack; }
    QSpinBox* seedBox() const { return m_seed; }
    QPlainTextEdit* needlesEdit() const { return m_needles; }
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* etaLabel() const { return m_eta; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* cancelButton() const { return m_cancel; }
    HeatmapPlot* liveHeatmap() const { return m_live; }

public Q_SLOTS:
    void setRunning(bool running);
    void setProgress(int done, int total, double elapsedSeconds);
    void showSnapshot(const headscope::ScoreMatrix& scores);

Q_SIGNALS:
    void startRequested(const headscope::ProbeRequest& request);
    void cancelRequested();
    void problem(const QString& what, const QString& message);

private:
    QLineEdit* m_lengths = nullptr;
    QLineEdit* m_depths = nullptr;
    QPlainTextEdit* m_needles = nullptr;
    QLineEdit* m_haystack = nullptr;
    QSpinBox* m_seed = nullptr;
    QLineEdit* m_output = nullptr;
    QComboBox* m_device = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_eta = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    HeatmapPlot* m_live = nullptr;
};

} // namespace headscope::views
