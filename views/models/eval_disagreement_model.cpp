#include "models/eval_disagreement_model.h"

namespace headscope::views {

namespace {

// One line of at most `limit` characters: predictions often run on over several lines.
QString oneLine(const std::string& text, int limit = 200)
{
    QString s = QString::fromStdString(text).simplified();
    return s.size() > limit ? s.left(limit - 1) + QChar(0x2026) : s;
}

} // namespace

QString EvalGroup::label() const
{
    QString name = dataset.empty() ? QStringLiteral("(no dataset name)") : QString::fromStdString(dataset);
    if (maxLength > 0)
        name += QStringLiteral(" at %1 tokens").arg(maxLength);
    return name;
}

bool EvalGroup::contains(const EvalRecord& record) const
{
    return record.dataset == dataset && record.maxLength.value_or(0) == maxLength;
}

EvalDisagreementModel::EvalDisagreementModel(QObject* parent) : QAbstractTableModel(parent) {}

void EvalDisagreementModel::setRecords(std::shared_ptr<const std::vector<EvalRecord>> records, const EvalGroup& group)
{
    beginResetModel();
    m_records = std::move(records);
    m_rows.clear();
    if (m_records)
        for (const EvalDisagreement& d : evalDisagreements(*m_records))
            if (group.contains((*m_records)[d.record]))
                m_rows.push_back(d);
    endResetModel();
}

void EvalDisagreementModel::clear()
{
    beginResetModel();
    m_records.reset();
    m_rows.clear();
    endResetModel();
}

const EvalRecord& EvalDisagreementModel::record(int row) const
{
    return (*m_records)[m_rows.at(static_cast<std::size_t>(row)).record];
}

const EvalOutcome& EvalDisagreementModel::outcome(int row) const
{
    return record(row).outcomes[m_rows.at(static_cast<std::size_t>(row)).outcome];
}

int EvalDisagreementModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EvalDisagreementModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EvalDisagreementModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const EvalRecord& r = record(index.row());
    const EvalOutcome& o = outcome(index.row());
    const EvalOutcome* full = r.outcome({"full", 0});
    if (role == Qt::TextAlignmentRole)
        return index.column() == ExampleColumn || index.column() == FullScoreColumn || index.column() == ScoreColumn
                   ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                   : QVariant();
    if (role == Qt::ToolTipRole) {
        if (index.column() == FullAnswerColumn)
            return QString::fromStdString(full->prediction);
        if (index.column() == AnswerColumn)
            return QString::fromStdString(o.prediction);
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case ExampleColumn: return r.index;
    case DatasetColumn: return QString::fromStdString(r.dataset);
    case ConfigColumn: return QString::fromStdString(o.config.label());
    case FullScoreColumn: return full->score;
    case ScoreColumn: return o.score;
    case ReferenceColumn: {
        QStringList answers;
        for (const std::string& a : r.answers)
            answers << oneLine(a, 60);
        return answers.join(QStringLiteral(" | "));
    }
    case FullAnswerColumn: return oneLine(full->prediction);
    case AnswerColumn: return oneLine(o.prediction);
    default: return {};
    }
}

QVariant EvalDisagreementModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ExampleColumn: return QStringLiteral("Example");
    case DatasetColumn: return QStringLiteral("Dataset");
    case ConfigColumn: return QStringLiteral("Configuration");
    case FullScoreColumn: return QStringLiteral("Full");
    case ScoreColumn: return QStringLiteral("Compressed");
    case ReferenceColumn: return QStringLiteral("Reference");
    case FullAnswerColumn: return QStringLiteral("Full answer");
    case AnswerColumn: return QStringLiteral("Compressed answer");
    default: return {};
    }
}

} // namespace headscope::views
