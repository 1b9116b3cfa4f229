#pragma once
// ProbePanel: sets up a needle-in-a-haystack probe run with the options of `headscope-cli probe`
// — grid, needles, haystack (file, folder, or synthetic prose for a seed when empty), generation
// (max new tokens, stops, chat template, prompt template), scoring (mode, top-K), stored rows,
// the session file (new, or resumed), heads to mask — starts and cancels it, and shows progress
// with an ETA, the head map as tests finish, and how the run ended. Its editors are read with
// core's parsers into a core ProbeRequest (the type the CLI fills too); the run itself lives in
// app/. This widget only emits intents (startRequested, cancelRequested, openRequested) and
// takes progress, snapshots and outcomes as plain values. GUI thread only.
#include "headscope/core/probe_request.h"
#include "headscope/core/score_matrix.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace headscope::views {

class AblationView;
class HeatmapPlot;

class ProbePanel : public QWidget {
    Q_OBJECT
public:
    explicit ProbePanel(QWidget* parent = nullptr);

    // The editors read with core's parsers (parseLengths, parseDepths, parseNeedles,
    // parseHeadList, HaystackSpec). Throws headscope::Error naming the field (and the JSONL
    // line). Options are validated by ProbeRequest::validate() where the run starts, not here.
    ProbeRequest request() const;
    // Fills every editor from a request (e.g. one rebuilt from a session's manifest); `note`
    // is shown above the Start button (what to check before starting), empty: none.
    void applyRequest(const ProbeRequest& request, const QString& note = {});
    // Needles JSONL in and out of the editor, through core's parser; false and *error naming
    // the file (and line) on failure.
    bool loadNeedles(const QString& path, QString* error);
    bool saveNeedles(const QString& path, QString* error) const;
    // Where runs happen: the loaded model's device ("cpu (2 threads), f32"), or why none can.
    void setDeviceText(const QString& text);
    // "m:ss" remaining, from the tests done so far; empty before the first one.
    static QString eta(int done, int total, double elapsedSeconds);

    QLineEdit* lengthsEdit() const { return m_lengths; }
    QLineEdit* depthsEdit() const { return m_depths; }
    QLineEdit* outputEdit() const { return m_output; }
    QSpinBox* maxTokensBox() const { return m_maxTokens; }
    QLineEdit* haystackEdit() const { return m_haystack; }
    QSpinBox* seedBox() const { return m_seed; }
    QLabel* haystackHint() const { return m_haystackHint; }
    QCheckBox* stopAtNewlineBox() const { return m_stopNewline; }
    QCheckBox* stopAtEosBox() const { return m_stopEos; }
    QCheckBox* stopAtAnswerLengthBox() const { return m_stopAnswer; }
    QCheckBox* chatBox() const { return m_chat; }
    QPlainTextEdit* templateEdit() const { return m_template; }
    QComboBox* modeBox() const { return m_mode; }
    QSpinBox* topKBox() const { return m_topK; }
    QLineEdit* storeRowsEdit() const { return m_storeRows; }
    QCheckBox* resumeBox() const { return m_resume; }
    QLineEdit* maskEdit() const { return m_mask; }
    QPlainTextEdit* needlesEdit() const { return m_needles; }
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* etaLabel() const { return m_eta; }
    QLabel* statusLabel() const { return m_status; }
    QLabel* deviceLabel() const { return m_device; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* cancelButton() const { return m_cancel; }
    QPushButton* openButton() const { return m_open; }
    HeatmapPlot* liveHeatmap() const { return m_live; }
    AblationView* ablationView() const { return m_ablation; }

public Q_SLOTS:
    void setRunning(bool running);
    void setProgress(int done, int total, double elapsedSeconds);
    void showSnapshot(const headscope::ScoreMatrix& scores);
    // How the last run ended, e.g. "Cancelled after 3 of 20 tests: 3 kept in run.h5"; with a
    // session path the "Open session" button offers it (nothing opens by itself).
    void setRunStatus(const QString& text, const QString& sessionPath = {});
    // Forgets the last run's live map and progress (another document was opened).
    void clearRun();
    // A document was opened: when it is the session the last run offered, "Open session" goes
    // (the status line stays, saying how the run ended).
    void documentOpened(const QString& path);

Q_SIGNALS:
    void startRequested(const headscope::ProbeRequest& request);
    void cancelRequested();
    void openRequested(const QString& sessionPath);
    void problem(const QString& what, const QString& message);

private:
    void updateHaystackHint();

    QLineEdit* m_lengths = nullptr;
    QLineEdit* m_depths = nullptr;
    QPlainTextEdit* m_needles = nullptr;
    QLineEdit* m_haystack = nullptr;
    QSpinBox* m_seed = nullptr;
    QLabel* m_haystackHint = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    QCheckBox* m_stopEos = nullptr;
    QCheckBox* m_stopNewline = nullptr;
    QCheckBox* m_stopAnswer = nullptr;
    QCheckBox* m_chat = nullptr;
    QPlainTextEdit* m_template = nullptr;
    QComboBox* m_mode = nullptr;
    QSpinBox* m_topK = nullptr;
    QLineEdit* m_storeRows = nullptr;
    QLineEdit* m_output = nullptr;
    QCheckBox* m_resume = nullptr;
    QLineEdit* m_mask = nullptr;
    QLabel* m_device = nullptr;
    QLabel* m_note = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_eta = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_open = nullptr;
    QString m_openPath;
    HeatmapPlot* m_live = nullptr;
    AblationView* m_ablation = nullptr;
};

} // namespace headscope::views
