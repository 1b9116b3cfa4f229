#pragma once
// ComparePanel: full-cache vs compressed-cache generation side by side. Tokens after the first
// divergence are highlighted, the per-step KL(full ‖ compressed) is plotted, and timing and KV
// bytes are compared. "Mask selected heads and re-run" asks app/ (through a signal) to rerun
// with the heads selected elsewhere zeroed. "Use selected probe test" swaps the typed prompt for
// the probe test picked in the needle grid (app/ reads its recorded ids); the prompt box then
// names the test and the typed text comes back when it is unticked. Takes plain values; GUI
// thread only.
#include <QStringList>
#include <QWidget>

#include <vector>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTextBrowser;

namespace headscope::views {

class BarPlot;

struct ComparisonData {
    QStringList fullTokens;        // generated token texts, full cache
    QStringList compressedTokens;  // generated token texts, compressed cache
    std::vector<double> klPerStep; // [steps] KL(full ‖ compressed) in nats
    double fullPrefillMs = 0.0, compressedPrefillMs = 0.0;
    double fullDecodeMsPerToken = 0.0, compressedDecodeMsPerToken = 0.0;
    qint64 fullKvBytes = 0, compressedKvBytes = 0;
    QString label;                 // e.g. "probe test 7, dililazykv C=128"
    QString variantTitle = QStringLiteral("Compressed cache");
    QString promptText;            // the decoded prompt, shown as the prompt box's tooltip
    // Compressed runs on a needle prompt: needle tokens kept per [layer][stored KV head].
    std::vector<std::vector<qint64>> needleKept;
    qint64 needleLength = 0;
    double needleKeptFraction = 0.0;
};

class ComparePanel : public QWidget {
    Q_OBJECT
public:
    explicit ComparePanel(QWidget* parent = nullptr);

    void setComparison(const ComparisonData& data);
    // Index of the first generated token that differs, or -1 when the outputs agree.
    static int firstDivergence(const QStringList& a, const QStringList& b);
    int divergence() const { return m_divergence; }
    // One line on how much of the needle the compressed cache kept; empty without a needle.
    static QString needleReport(const ComparisonData& data);
    void setSelectedHeads(const QList<QPair<int, int>>& heads);
    QString prompt() const;
    void setPrompt(const QString& prompt);
    // The probe test picked elsewhere (needle grid); `label` names it in the prompt box.
    void setProbeTest(int testId, const QString& label);
    void clearProbeTest();
    // The probe test to compare on: its id while "Use selected probe test" is ticked, else -1.
    int probeTest() const;

    QTextBrowser* fullView() const { return m_full; }
    QTextBrowser* compressedView() const { return m_compressed; }
    BarPlot* klPlot() const { return m_kl; }
    QLabel* summary() const { return m_summary; }
    QPushButton* maskButton() const { return m_mask; }
    QPushButton* runButton() const { return m_run; }
    QCheckBox* probeTestBox() const { return m_useTest; }
    QLineEdit* promptEdit() const { return m_prompt; }
    QLabel* needleSummary() const { return m_needle; }

Q_SIGNALS:
    void runRequested(const QString& prompt);
    void maskAndRerunRequested(const QList<QPair<int, int>>& heads);

private:
    static QString render(const QStringList& tokens, int divergence, const QString& color);
    void showPromptSource();
    QLineEdit* m_prompt = nullptr;
    QCheckBox* m_useTest = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_mask = nullptr;
    QTextBrowser* m_full = nullptr;
    QTextBrowser* m_compressed = nullptr;
    BarPlot* m_kl = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_needle = nullptr;
    QLabel* m_variantTitle = nullptr;
    QList<QPair<int, int>> m_heads;
    int m_divergence = -1;
    int m_testId = -1;
    QString m_testLabel;
    QString m_typedPrompt; // kept while the prompt box names a probe test
};

} // namespace headscope::views
