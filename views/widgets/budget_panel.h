#pragma once
// BudgetPanel: interactive KV budgets. Takes a [layers, heads] score map and model dimensions,
// calls core's allocators (allocator.h) on every parameter change and shows the per-head
// budget heatmap, per-layer totals, logical tokens and physical bytes against the full cache.
// Exports the plan (budget JSON) and the scores (HeadKV JSON). GUI thread only; an update for
// 32×32 heads takes well under a frame, so it runs synchronously.
#include "headscope/core/allocator.h"
#include "headscope/core/budget_plan.h"
#include "headscope/core/score_matrix.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
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

    // The scores the score-driven methods use; an empty matrix leaves only uniform/pyramid.
    void setScores(const ScoreMatrix& scores);
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

    // Exports; false and *error naming the file on failure.
    bool exportBudgetJson(const QString& path, QString* error = nullptr) const;
    bool exportHeadScoresJson(const QString& path, QString* error = nullptr) const;

public Q_SLOTS:
    void recompute();

Q_SIGNALS:
    void planChanged();
    void exportFailed(const QString& what, const QString& message);

private:
    ScoreMatrix m_scores;
    ModelDims m_dims;
    std::optional<BudgetPlan> m_plan;
    std::optional<MemoryEstimate> m_memory;
    QString m_error;
    double m_lastUpdateMs = 0.0;

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
