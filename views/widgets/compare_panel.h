#pragma once
// ComparePanel: the full model and a variant (compressed cache, masked heads) side by side, as
// core's Comparison reports them: tokens from the first divergence on highlighted, per-step
// KL(full ‖ variant) plotted (teacher-forced on the full run), timing and KV bytes compared.
// "Mask selected heads and re-run" asks app/ (through a signal) to rerun with the heads selected
// elsewhere zeroed. "Use selected probe test" swaps the typed prompt for the probe test picked in
// the needle grid (app/ reads its recorded ids); the prompt box then names the test and the typed
// text comes back when it is unticked. Takes plain values; GUI thread only.
#include "models/session_source.h"

#include "headscope/core/comparison.h"

#include <QList>
#include <QPair>
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

class ComparePanel : public QWidget {
    Q_OBJECT
public:
    explicit ComparePanel(QWidget* parent = nullptr);

    void setComparison(const Comparison& comparison);
    // The comparison's first divergence (core's, on token ids), or -1 when the outputs agree.
    int divergence() const { return m_divergence; }
    // One line on how much of the needle the compressed cache kept; empty without a needle.
    static QString needleReport(const Comparison& comparison);
    // "probe test 3 of run.h5, 812 prompt tokens · Compressed: … · top-1 agreement 93.8% (teacher-forced)"
    static QString summaryLabel(const Comparison& comparison);
    void setSelectedHeads(const QList<QPair<int, int>>& heads);
    QString prompt() const;
    void setPrompt(const QString& prompt);
    // The probe test picked elsewhere (needle grid), named in the prompt box by probeTestLabel.
    void setProbeTest(const TestInfo& test);
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
    // Full vs compressed under the plan chosen elsewhere (Budget tab); probeTest is -1 for the
    // typed prompt.
    void runRequested(const QString& prompt, int probeTest);
    void maskAndRerunRequested(const QList<QPair<int, int>>& heads, const QString& prompt, int probeTest);

private:
    static QString render(const std::vector<std::string>& tokens, int divergence, const QString& color);
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
