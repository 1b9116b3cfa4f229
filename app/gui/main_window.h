#pragma once
// MainWindow: menus, tabs, drag and drop, status bar and persistent window state. It wires
// controllers (engine worker, documents, probe runs, comparisons, settings, questions to the
// user) to the panels in views/ and shows every failure in a dialog that names the file and the
// problem — core's message as it is. Deliberately thin: no file reading, no domain rules and no
// reaching into a panel's child widgets — panels emit intents and take plain values,
// controllers/ and core do the work. Nothing the user did not ask for changes the tab or the
// open file: a finished run offers its session, a finished comparison says where it is.
#include "controllers/app_settings.h"

#include <QList>
#include <QMainWindow>
#include <QPair>

#include <memory>

class QDockWidget;
class QLabel;
class QMenu;
class QTabWidget;
class QTimer;

namespace headscope::views {
class PlotWidget;
class ScoresPanel;
class ModelCard;
class BudgetPanel;
class CategoryPanel;
class NeedleGridPanel;
class SessionFilterPanel;
class StatisticsPanel;
class ProbePanel;
class ComparePanel;
class EvalPanel;
struct ScoreSet;
class SessionSource;
}

namespace headscope::app {

class CompareController;
class EngineController;
class ProbeController;
class SessionController;
class UserPrompts;
struct OpenedDocument;
struct CheckpointInfo;
struct ModelLoadChoice;
}

namespace headscope {
struct ProbeRequest;
}

namespace headscope::app {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFile(const QString& path);
    // Opens a score file and adds its metric to the scores on screen — a score file's or a
    // session's (same shape required; refused otherwise, the open document untouched).
    void addScoreFile(const QString& path);
    // The one action that makes a model usable: reads the checkpoint and loads its weights.
    void loadModel(const QString& directory);
    void loadModel(const QString& directory, const ModelLoadChoice& choice);
    void unloadModel();
    // A checkpoint directory, or its config.json: what a drop or --model loads as a model.
    static QString checkpointDirectoryOf(const QString& path);
    // Fills the Probe tab to re-run the open session's probe with these heads masked.
    void prepareAblation(const QList<QPair<int, int>>& heads);
    // Adds a tab (other engineers' panels go through here, so the tab list stays in one place).
    void addView(QWidget* view, const QString& title);
    // Writes one PNG per main view into `dir` (screenshot mode); returns the files written.
    QStringList saveScreenshots(const QString& dir);

    QTabWidget* tabs() const { return m_tabs; }
    views::ScoresPanel* scoresPanel() const { return m_scores; }
    views::BudgetPanel* budgetPanel() const { return m_budget; }
    views::ModelCard* modelCard() const { return m_modelCard; }
    views::SessionFilterPanel* sessionFilters() const { return m_filters; }
    views::NeedleGridPanel* needleGrid() const { return m_grid; }
    views::CategoryPanel* categories() const { return m_categories; }
    views::StatisticsPanel* statistics() const { return m_statistics; }
    views::ProbePanel* probePanel() const { return m_probe; }
    views::ComparePanel* comparePanel() const { return m_compare; }
    views::EvalPanel* evalPanel() const { return m_eval; }
    EngineController* engine() const { return m_engine; }
    SessionController* sessions() const { return m_sessions; }
    CompareController* comparisons() const { return m_comparisons; }
    ProbeController* probes() const { return m_probes; }
    UserPrompts* prompts() const { return m_prompts; }
    // The plot that Export plot / Copy act on: the focused one, else the first in the tab.
    views::PlotWidget* currentPlot() const;

Q_SIGNALS:
    void errorShown(const QString& title, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void connectPanels();
    void connectRuns();
    void connectModel();
    void buildMenus();
    void rebuildRecentMenu();
    void addViewAction(int index);
    void showError(const QString& what, const QString& message);
    void setSourceText(const QString& text);
    void onDocumentOpened(const std::shared_ptr<const OpenedDocument>& doc);
    void startProbe(const ProbeRequest& request);
    void reopenAfterRun();
    void showEvalResults(const OpenedDocument& doc);
    void showScoreSet(const views::ScoreSet& set);
    void onCheckpointLoaded(const std::shared_ptr<const CheckpointInfo>& info);
    void onModelUnloaded();
    void updateAblationAvailability();
    void updateStatus();
    void openDialog();
    void loadModelDialog();
    void exportPlot();
    void exportTable();
    void copyToClipboard();
    void openSample();
    void about();

    AppSettings m_settings;
    EngineController* m_engine = nullptr;
    SessionController* m_sessions = nullptr;
    CompareController* m_comparisons = nullptr;
    ProbeController* m_probes = nullptr;
    UserPrompts* m_prompts = nullptr;
    QTabWidget* m_tabs = nullptr;
    views::ScoresPanel* m_scores = nullptr;
    views::BudgetPanel* m_budget = nullptr;
    views::ModelCard* m_modelCard = nullptr;
    views::SessionFilterPanel* m_filters = nullptr;
    views::NeedleGridPanel* m_grid = nullptr;
    views::CategoryPanel* m_categories = nullptr;
    views::StatisticsPanel* m_statistics = nullptr;
    views::ProbePanel* m_probe = nullptr;
    views::ComparePanel* m_compare = nullptr;
    views::EvalPanel* m_eval = nullptr;
    QDockWidget* m_filterDock = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr; // one entry per tab, Ctrl+1 … Ctrl+9
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_memoryLabel = nullptr;
    QLabel* m_engineStatusLabel = nullptr; // compute dtype and peak memory (EngineController::engineStatus)
    QLabel* m_sourceLabel = nullptr;
    QTimer* m_statusTimer = nullptr;
    // The open session a run continues (closed while it writes, reopened when it ends).
    QString m_reopenAfterRun;
    QString m_reopening;
};

} // namespace headscope::app
