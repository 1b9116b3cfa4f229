#pragma once
// TopHeadsProxy: sorts a HeadScoreModel (by HeadScoreModel::SortRole) and keeps only the
// rows ranked within the top N (0 = all). GUI thread only.
#include <QSortFilterProxyModel>

namespace headscope::views {

class TopHeadsProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit TopHeadsProxy(QObject* parent = nullptr);
    void setTopN(int n);
    int topN() const { return m_topN; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    int m_topN = 0;
};

} // namespace headscope::views
