#pragma once
// EvalPanel: an `eval` results file on screen. For one dataset at one requested length (chosen
// above the plot): the score against the KV budget per allocation method with each point's 95 %
// bootstrap interval and the full cache as a reference band, and below it the examples where a
// compressed cache scored unlike the full cache. "Open in Compare" (or a double click) asks app/
// to run that example under that configuration against the full cache in the Compare tab.
// Takes plain values (core's eval records and summary rows); GUI thread only.
#include "models/eval_disagreement_model.h"

#include "headscope/core/eval_results.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace headscope::views {

class AccuracyBudgetPlot;

class EvalPanel : public QWidget {
    Q_OBJECT
public:
    explicit EvalPanel(QWidget* parent = nullptr);
    ~EvalPanel() override;

    // `title` names the file (e.g. "results.h5: 40 of 40 examples").
    void setResults(const QString& title, std::vector<EvalRecord> records, std::vector<EvalSummaryRow> summary);
    void clear();

    const std::vector<EvalGroup>& groups() const { return m_groups; }
    void setCurrentGroup(int index);
    int currentGroup() const;
    // The compressed outcome of the selected table row, if any.
    const EvalRecord* selectedRecord() const;
    const EvalOutcome* selectedOutcome() const;

    QComboBox* groupBox() const { return m_group; }
    AccuracyBudgetPlot* plot() const { return m_plot; }
    QTableView* table() const { return m_table; }
    EvalDisagreementModel* disagreements() const { return m_model; }
    QPushButton* compareButton() const { return m_compare; }
    QLabel* title() const { return m_title; }

Q_SIGNALS:
    // Run example `exampleIndex` (its index in the eval file) with the full cache and with
    // `method` at `budget`.
    void compareRequested(int exampleIndex, const QString& method, qint64 budget);

private:
    void showGroup();
    void requestCompare();
    int selectedRow() const;

    std::shared_ptr<const std::vector<EvalRecord>> m_records;
    std::vector<EvalSummaryRow> m_summary;
    std::vector<EvalGroup> m_groups;
    QLabel* m_title = nullptr;
    QComboBox* m_group = nullptr;
    AccuracyBudgetPlot* m_plot = nullptr;
    QLabel* m_tableTitle = nullptr;
    QTableView* m_table = nullptr;
    EvalDisagreementModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QPushButton* m_compare = nullptr;
};

} // namespace headscope::views
