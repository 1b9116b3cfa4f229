#pragma once
// ProbePanel: sets up a needle-in-a-haystack probe run (length × depth grid, needles JSONL,
// haystack, device), starts and cancels it, and shows progress with an ETA and the head map
// as tests finish. The run itself lives in app/ (EngineController's worker); this widget only
// emits startRequested/cancelRequested and takes progress and snapshots as plain values.
// GUI thread only.
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

struct NeedleEntry {
    QString needle;
    QString question;
    QString realNeedle;
    QString answer;
};

struct ProbeRequest {
    std::vector<int> lengths;
    std::vector<double> depths;
    std::vector<NeedleEntry> needles;
    QString haystack;   // text file or directory of .txt files; empty: generated filler
    QString device;     // "cpu" | "cuda"
    QString output;     // session file to write
    int maxNewTokens = 32;
};

class ProbePanel : public QWidget {
    Q_OBJECT
public:
    explicit ProbePanel(QWidget* parent = nullptr);

    // Parses the editors. Returns false and fills *error (naming the field or JSONL line).
    bool request(ProbeRequest* out, QString* error) const;
    // JSONL → entries; throws nothing, reports "line N: …" in *error.
    static bool parseNeedles(const QString& jsonl, std::vector<NeedleEntry>* out, QString* error);
    static QString needlesToJsonl(const std::vector<NeedleEntry>& needles);
    bool loadNeedles(const QString& path, QString* error);
    bool saveNeedles(const QString& path, QString* error) const;
    void setCudaAvailable(bool available);
    // "m:ss" remaining, from the tests done so far; empty before the first one.
    static QString eta(int done, int total, double elapsedSeconds);

    QLineEdit* lengthsEdit() const { return m_lengths; }
    QLineEdit* depthsEdit() const { return m_depths; }
    QLineEdit* outputEdit() const { return m_output; }
    QSpinBox* maxTokensBox() const { return m_maxTokens; }
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
    void startRequested(const headscope::views::ProbeRequest& request);
    void cancelRequested();
    void problem(const QString& what, const QString& message);

private:
    QLineEdit* m_lengths = nullptr;
    QLineEdit* m_depths = nullptr;
    QPlainTextEdit* m_needles = nullptr;
    QLineEdit* m_haystack = nullptr;
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
