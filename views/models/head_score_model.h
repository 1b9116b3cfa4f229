#pragma once
// HeadScoreModel: one row per (layer, head) of a [layers, heads] score map, with its rank,
// value and (when known) the 95% CI half-width across tests. The table view sorts it through
// a QSortFilterProxyModel (sort on SortRole) and a TopHeadsProxy. Mutated on the GUI thread
// only; a new map replaces the whole content (reset).
#include <QAbstractTableModel>

#include <span>
#include <vector>

namespace headscope::views {

struct CellRef {
    int layer = -1;
    int head = -1;
    bool valid() const { return layer >= 0 && head >= 0; }
    friend bool operator==(const CellRef&, const CellRef&) = default;
};

class HeadScoreModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { RankColumn, LayerColumn, HeadColumn, ValueColumn, CiColumn, ColumnCount };
    enum Roles { LayerRole = Qt::UserRole, HeadRole, ValueRole, RankRole, SortRole };

    explicit HeadScoreModel(QObject* parent = nullptr);

    // values: [layers, heads] row-major; ci: same shape or empty.
    void setScores(int layers, int heads, std::span<const double> values, std::span<const double> ci = {});
    void setValueName(const QString& name);
    void clear();

    int layers() const { return m_layers; }
    int heads() const { return m_heads; }
    QModelIndex index(CellRef cell, int column = 0) const;
    CellRef fromIndex(const QModelIndex& index) const;
    using QAbstractTableModel::index;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int m_layers = 0;
    int m_heads = 0;
    std::vector<double> m_values; // [layers, heads]
    std::vector<double> m_ci;     // [layers, heads] or empty
    std::vector<int> m_ranks;     // [layers, heads]
    int m_decimals = 4;           // shown for every value and CI of the column
    QString m_valueName = QStringLiteral("Score");
};

} // namespace headscope::views
