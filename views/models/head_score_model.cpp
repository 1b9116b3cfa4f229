#include "models/head_score_model.h"

#include "models/table_csv.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace headscope::views {

namespace {

// One number of decimals for a whole column, so the values line up and compare at a glance:
// four significant digits of the largest magnitude (0.8731 → 4 decimals, 12.31 → 2, 0.000123
// → 6), at most 10.
int decimalsFor(const std::vector<double>& values)
{
    double largest = 0.0;
    for (double v : values)
        if (std::isfinite(v))
            largest = std::max(largest, std::abs(v));
    if (largest == 0.0)
        return 4;
    return std::clamp(3 - static_cast<int>(std::floor(std::log10(largest))), 0, 10);
}

} // namespace

HeadScoreModel::HeadScoreModel(QObject* parent) : QAbstractTableModel(parent) {}

void HeadScoreModel::setScores(int layers, int heads, std::span<const double> values, std::span<const double> ci)
{
    beginResetModel();
    m_layers = std::max(layers, 0);
    m_heads = std::max(heads, 0);
    const std::size_t n = static_cast<std::size_t>(m_layers) * m_heads;
    m_values.assign(values.begin(), values.end());
    m_values.resize(n, std::nan(""));
    if (ci.size() == n)
        m_ci.assign(ci.begin(), ci.end());
    else
        m_ci.clear();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto key = [this](std::size_t i) { return std::isnan(m_values[i]) ? -HUGE_VAL : m_values[i]; };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
    m_decimals = decimalsFor(m_values);
    m_ranks.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const bool tie = i > 0 && key(order[i]) == key(order[i - 1]);
        m_ranks[order[i]] = tie ? m_ranks[order[i - 1]] : static_cast<int>(i) + 1;
    }
    endResetModel();
}

void HeadScoreModel::setValueName(const QString& name)
{
    m_valueName = name;
    Q_EMIT headerDataChanged(Qt::Horizontal, ValueColumn, ValueColumn);
}

void HeadScoreModel::clear()
{
    setScores(0, 0, {});
}

QModelIndex HeadScoreModel::index(CellRef cell, int column) const
{
    if (cell.layer < 0 || cell.head < 0 || cell.layer >= m_layers || cell.head >= m_heads)
        return {};
    return createIndex(cell.layer * m_heads + cell.head, column);
}

CellRef HeadScoreModel::fromIndex(const QModelIndex& index) const
{
    if (!index.isValid() || index.model() != this || m_heads == 0)
        return {};
    return {index.row() / m_heads, index.row() % m_heads};
}

int HeadScoreModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_layers * m_heads;
}

int HeadScoreModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HeadScoreModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto row = static_cast<std::size_t>(index.row());
    const int layer = index.row() / m_heads;
    const int head = index.row() % m_heads;
    const double v = m_values[row];
    const double ci = m_ci.empty() ? std::nan("") : m_ci[row];
    switch (role) {
    case LayerRole: return layer;
    case HeadRole: return head;
    case ValueRole: return v;
    case RankRole: return m_ranks[row];
    case SortRole:
        switch (index.column()) {
        case RankColumn: return m_ranks[row];
        case LayerColumn: return layer;
        case HeadColumn: return head;
        case ValueColumn: return std::isnan(v) ? -HUGE_VAL : v;
        case CiColumn: return std::isnan(ci) ? -HUGE_VAL : ci;
        default: return {};
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case RankColumn: return m_ranks[row];
        case LayerColumn: return layer;
        case HeadColumn: return head;
        case ValueColumn: return std::isnan(v) ? QStringLiteral("—") : QString::number(v, 'f', m_decimals);
        case CiColumn: return std::isnan(ci) ? QString() : QStringLiteral("± %1").arg(ci, 0, 'f', m_decimals);
        default: return {};
        }
    case kCsvRole:
        switch (index.column()) {
        case ValueColumn: return v;             // NaN writes as "nan"
        case CiColumn: return m_ci.empty() ? QVariant(QString()) : QVariant(ci);
        default: return {};
        }
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    default: return {};
    }
}

QVariant HeadScoreModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case RankColumn: return QStringLiteral("Rank");
    case LayerColumn: return QStringLiteral("Layer");
    case HeadColumn: return QStringLiteral("Head");
    case ValueColumn: return m_valueName;
    case CiColumn: return QStringLiteral("95% CI ±");
    default: return {};
    }
}

} // namespace headscope::views
