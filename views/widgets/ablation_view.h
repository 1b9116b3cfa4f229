#pragma once
// AblationView: the result of a probe re-run with heads masked — which heads, and every gate's
// accuracy in the session and in the masked run, overall and per length and depth
// (AblationSummary). Takes the summary as a plain value. GUI thread only.
#include "models/ablation_summary.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace headscope::views {

class AblationView : public QWidget {
    Q_OBJECT
public:
    explicit AblationView(QWidget* parent = nullptr);

    void setSummary(const AblationSummary& summary);
    void clear();
    const AblationSummary& summary() const { return m_summary; }
    QLabel* headline() const { return m_headline; }
    QTableWidget* table() const { return m_table; }

private:
    AblationSummary m_summary;
    QLabel* m_headline = nullptr;
    QTableWidget* m_table = nullptr;
};

} // namespace headscope::views
