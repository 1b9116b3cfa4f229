#pragma once
// BudgetPanel: interactive KV budgets. Owns the scores it allocates from: its own metric picker
// over the open document's maps (independent of the Heads tab), shown with the gate, threshold
// and subset of tests they were averaged over; "Follow Session filters" can be unticked to hold
// them while the filters are explored. Calls core's allocators (allocator.h) on every parameter
// change and shows the per-head budget heatmap, per-layer totals, logical tokens and physical
// bytes against the full cache. Exports the plan (budget JSON, with its "source") and the scores
// (HeadKV JSON plus the sidecar naming their metric). GUI thread only; an update for 32×32
// heads takes well under a frame, so it runs synchronously.
#include "models/score_set.h"

#include "headscope/core/allocator.h"
#include "headscope/core/budget_plan.h"
#include "headscope/core/score_matrix.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace headscope::views {

// The panel's parameters as plain values, for persisting between sessions.
struct BudgetSettings {
    AllocationMethod method = AllocationMethod::Uniform;
    double capacity = 128.0;
    double window = 8.0;
    double beta = 1.5;
    double temp = 1.0;
};

class BarPlot;
class HeatmapPlot;
class ParamSlider;

class BudgetPanel : public QWidget {
    Q_OBJECT
public:
    explicit BudgetPanel(QWidget* parent = nullptr);
    ~BudgetPanel() override;

    // The open document's maps. A new document (ScoreSet::document) resets the metric to its
    // default and follows the filters again; the same document keeps the metric chosen here and,
    // unless held, takes the re-aggregated maps.
    void setScoreSet(const ScoreSet& set);
    // One map as a document of its own (tests, screenshots); empty: only uniform/pyramid.
    void setScores(const ScoreMatrix& scores);
    // The metric budgets are computed from (this tab's choice, never the Heads tab's).
    HeadMetric sourceMetric() const;
    bool setSourceMetric(HeadMetric metric);
    // Whether new filter settings reach the budget (false: the maps it has are held).
    bool followsFilters() const;
    void setFollowsFilters(bool follow);
    // Where the scores behind the budget came from (metric, file, digest, gate, subset).
    const std::optional<ScoreProvenance>& source() const { return m_source; }
    QLabel* sourceLabel() const { return m_sourceLabel; }
    QComboBox* granularityBox() const { return m_granularity; }
    QComboBox* metricBox() const { return m_metricBox; }
    QPushButton* exportBudgetButton() const { return m_exportBudget; }
    QPushButton* exportScoresButton() const { return m_exportScores; }
    const ScoreMatrix& scores() const { return m_scores; }
    void setModelDims(const ModelDims& dims);
    // Forgets the model shape: layers and heads follow the scores again.
    void clearModelDims();
    void setMethod(AllocationMethod method); // Ada-KV is listed but not selectable (needs a live prompt)
    AllocationMethod method() const;
    BudgetSettings settings() const;
    void applySettings(const BudgetSettings& settings);
    AllocationParams params() const;
    HeadGranularity granularity() const;

    // The plan on screen (query- or KV-head per the granularity control), if any.
    const std::optional<BudgetPlan>& plan() const { return m_plan; }
    const std::optional<MemoryEstimate>& memory() const { return m_memory; }
    QString error() const { return m_error; }
    double lastUpdateMs() const { return m_lastUpdateMs; }
    int64_t contextLength() const;

    ParamSlider* capacitySlider() const { return m_capacity; }
    ParamSlider* windowSlider() const { return m_window; }
    ParamSlider* betaSlider() const { return m_beta; }
    ParamSlider* tempSlider() const { return m_temp; }
    HeatmapPlot* heatmap() const { return m_heatmap; }
    BarPlot* layerBars() const { return m_bars; }
    QLabel* totalsLabel() const { return m_totals; }

    // Exports; false and *error naming the file on failure. The budget records its source; the
    // head scores get a sidecar (path + ".headscope.json") with their metric and source.
    bool exportBudgetJson(const QString& path, QString* error = nullptr);
    bool exportHeadScoresJson(const QString& path, QString* error = nullptr);
    // "run_inf_headkv_budget.json": a name that says what the file holds.
    QString suggestedBudgetName() const;
    QString suggestedScoresName() const;

public Q_SLOTS:
    void recompute();

Q_SIGNALS:
    void planChanged();
    void exportFailed(const QString& what, const QString& message);
    // An export was written: one line saying what and where (the status bar shows it).
    void exported(const QString& message);

private:
    void showSource();
    void exportDialog(bool budget);

    ScoreSet m_set;
    HeadMetric m_metric = HeadMetric::Inf;
    std::optional<ScoreProvenance> m_source;
    ScoreMatrix m_scores;
    ModelDims m_dims;
    std::optional<BudgetPlan> m_plan;
    std::optional<MemoryEstimate> m_memory;
    QString m_error;
    double m_lastUpdateMs = 0.0;

    QComboBox* m_metricBox = nullptr;
    QCheckBox* m_follow = nullptr;
    QLabel* m_sourceLabel = nullptr;
    QPushButton* m_exportBudget = nullptr;
    QPushButton* m_exportScores = nullptr;
    QComboBox* m_method = nullptr;
    QComboBox* m_granularity = nullptr;
    QComboBox* m_dtype = nullptr;
    ParamSlider* m_capacity = nullptr;
    ParamSlider* m_window = nullptr;
    ParamSlider* m_beta = nullptr;
    ParamSlider* m_temp = nullptr;
    ParamSlider* m_epsLayer = nullptr;
    ParamSlider* m_epsHead = nullptr;
    QSpinBox* m_context = nullptr;
    QSpinBox* m_kvHeads = nullptr;
    QSpinBox* m_headDim = nullptr;
    QLabel* m_totals = nullptr;
    HeatmapPlot* m_heatmap = nullptr;
    BarPlot* m_bars = nullptr;
};

} // namespace headscope::views
