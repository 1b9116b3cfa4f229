#include "models/top_heads_proxy.h"

#include "models/head_score_model.h"

namespace headscope::views {

TopHeadsProxy::TopHeadsProxy(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(HeadScoreModel::SortRole);
}

void TopHeadsProxy::setTopN(int n)
{
    m_topN = n < 0 ? 0 : n;
    invalidateFilter();
}

bool TopHeadsProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (m_topN == 0)
        return true;
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    return idx.data(HeadScoreModel::RankRole).toInt() <= m_topN;
}

} // namespace headscope::views
