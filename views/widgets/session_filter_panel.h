#pragma once
// SessionFilterPanel: gate, threshold and length/depth subsets over an open session. Every
// change re-aggregates all metrics (mean ± CI over the accepted tests) and emits the new
// ScoreSet, which the heads, budget and category views show. GUI thread only.
#include "models/session_source.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QListWidget;

namespace headscope::views {

class ParamSlider;

class SessionFilterPanel : public QWidget {
    Q_OBJECT
public:
    explicit SessionFilterPanel(QWidget* parent = nullptr);

    void setSource(std::shared_ptr<const SessionSource> source);
    const std::shared_ptr<const SessionSource>& source() const { return m_source; }
    // The query for one metric under the current controls.
    AggregateQuery query(HeadMetric metric = HeadMetric::Inf) const;
    // The chosen gate: an index into the source's gates(), -1 for none.
    int gate() const;
    const ScoreSet& scoreSet() const { return m_set; }
    int acceptedTests() const { return m_accepted; }

    QComboBox* gateBox() const { return m_gate; }
    ParamSlider* thresholdSlider() const { return m_threshold; }
    QListWidget* lengthList() const { return m_lengths; }
    QListWidget* depthList() const { return m_depths; }

public Q_SLOTS:
    void reaggregate();

Q_SIGNALS:
    void scoreSetChanged(const headscope::views::ScoreSet& set);
    void gateChanged(int gate);

private:
    std::shared_ptr<const SessionSource> m_source;
    ScoreSet m_set;
    int m_accepted = 0;
    QComboBox* m_gate = nullptr;
    ParamSlider* m_threshold = nullptr;
    QListWidget* m_lengths = nullptr;
    QListWidget* m_depths = nullptr;
    QLabel* m_summary = nullptr;
    bool m_loading = false;
};

} // namespace headscope::views
