#pragma once
// EvalDisagreementModel: the examples of an eval results file where a compressed cache scored
// unlike the full cache (core's evalDisagreements), one row per example × configuration, limited
// to one dataset and requested length. Columns: example, dataset, configuration, the full cache's
// and the compressed cache's scores, the reference answers and both predictions. GUI thread only;
// new records or another group replace the whole content (reset).
#include "headscope/core/eval_replay.h"
#include "headscope/core/eval_results.h"

#include <QAbstractTableModel>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace headscope::views {

// One block of an eval summary: a dataset at one requested length (0: the file gives none).
struct EvalGroup {
    std::string dataset;
    int64_t maxLength = 0;
    QString label() const; // "niah_single at 1024 tokens" | "hotpotqa" | "(no dataset name)"
    bool contains(const EvalRecord& record) const;
    friend bool operator==(const EvalGroup&, const EvalGroup&) = default;
};

class EvalDisagreementModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ExampleColumn,
        DatasetColumn,
        ConfigColumn,
        FullScoreColumn,
        ScoreColumn,
        ReferenceColumn,
        FullAnswerColumn,
        AnswerColumn,
        ColumnCount
    };

    explicit EvalDisagreementModel(QObject* parent = nullptr);

    void setRecords(std::shared_ptr<const std::vector<EvalRecord>> records, const EvalGroup& group);
    void clear();

    // The record and the compressed outcome of a row.
    const EvalRecord& record(int row) const;
    const EvalOutcome& outcome(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const std::vector<EvalRecord>> m_records;
    std::vector<EvalDisagreement> m_rows;
};

} // namespace headscope::views
