// Top-k head sets, Jaccard and Spearman for the statistics view.
#include "models/head_statistics.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace headscope::views;

class TestHeadStatistics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void topK()
    {
        const std::vector<double> v = {0.1, 0.9, 0.5, 0.9, 0.0};
        QCOMPARE(topKHeads(v, 3), (std::vector<int>{1, 3, 2}));
        QCOMPARE(topKHeads(v, 0), std::vector<int>{});
        QCOMPARE(topKHeads(v, 10).size(), std::size_t{5});
    }

    void jaccardValues()
    {
        const std::vector<int> a = {1, 2, 3, 4};
        const std::vector<int> b = {3, 4, 5};
        QCOMPARE(jaccard(a, b), 2.0 / 5.0);
        QCOMPARE(jaccard(a, a), 1.0);
        QCOMPARE(jaccard(std::vector<int>{}, std::vector<int>{}), 1.0);
        QCOMPARE(jaccard(a, std::vector<int>{9}), 0.0);
    }

    void spearmanValues()
    {
        const std::vector<double> a = {1, 2, 3, 4, 5};
        const std::vector<double> b = {5, 6, 7, 8, 7};  // ranks 1 2 3.5 5 3.5
        // ρ = Pearson of ranks (1..5) vs (1,2,3.5,5,3.5) = 0.8207826816681233 (computed by hand).
        QVERIFY(std::abs(spearman(a, b) - 0.8207826816681233) < 1e-12);
        const std::vector<double> rev = {10, 8, 6, 4, 2};
        QCOMPARE(spearman(a, rev), -1.0);
        QVERIFY(std::isnan(spearman(a, std::vector<double>{1, 1, 1, 1, 1})));
        QCOMPARE(averageRanks(b), (std::vector<double>{1, 2, 3.5, 5, 3.5}));
    }
};

QTEST_GUILESS_MAIN(TestHeadStatistics)
#include "tst_head_statistics.moc"
