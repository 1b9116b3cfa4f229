#pragma once
// CategoryPanel: the four attention categories (Diligent, Distracted, Subconscious, Diffuse
// peripheral) as small-multiple heatmaps sharing ONE color scale, plus a per-layer stacked bar
// summary. Counts or mass shares, as the caller supplies. GUI thread only.
#include "models/score_set.h"

#include "headscope/core/score_matrix.h"

#include <QWidget>

#include <array>

class QComboBox;

namespace headscope::views {

class BarPlot;
class HeatmapPlot;

class CategoryPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kCategories = 4;
    explicit CategoryPanel(QWidget* parent = nullptr);

    // Whether the caller should feed attention-mass shares (true) or counts (false).
    bool showsMass() const;
    // Shows the four category maps of `set` in the chosen unit (core attentionCategoryMetrics),
    // and again whenever the unit changes; disabled while the set lacks any of them.
    void setScoreSet(const ScoreSet& set);
    // maps: diligent, distracted, subconscious, diffuse, each [layers, heads] of equal shape.
    void setCategories(const std::array<ScoreMatrix, kCategories>& maps, const QString& unit);
    HeatmapPlot* heatmap(int category) const { return m_maps[static_cast<std::size_t>(category)]; }
    BarPlot* layerSummary() const { return m_bars; }
    // The shared color range [lower, upper].
    double sharedLower() const { return m_lower; }
    double sharedUpper() const { return m_upper; }

Q_SIGNALS:
    void headSelected(int layer, int head);
    void unitChanged();

private:
    void showScoreSet();

    ScoreSet m_set;
    std::array<HeatmapPlot*, kCategories> m_maps{};
    BarPlot* m_bars = nullptr;
    QComboBox* m_unit = nullptr;
    double m_lower = 0.0;
    double m_upper = 1.0;
};

QString categoryName(int category);

} // namespace headscope::views
