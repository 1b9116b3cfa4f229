// HeadScoreModel and TopHeadsProxy under QAbstractItemModelTester.
#include "models/head_score_model.h"
#include "models/table_csv.h"
#include "models/top_heads_proxy.h"

#include <QAbstractItemModelTester>
#include <QtTest>

#include <vector>

using namespace headscope::views;

class TestHeadScoreModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void testerAcceptsModelAndProxy()
    {
        HeadScoreModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        TopHeadsProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const std::vector<double> v = {0.1, 0.9, 0.5, 0.3, 0.9, 0.0};
        model.setScores(2, 3, v);
        proxy.sort(HeadScoreModel::ValueColumn, Qt::DescendingOrder);
        proxy.setTopN(2);
        model.setScores(3, 2, v);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void ranksAndMapping()
    {
        HeadScoreModel model;
        const std::vector<double> v = {0.1, 0.9, 0.5, 0.3, 0.9, 0.0}; // [2, 3]
        const std::vector<double> ci = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06};
        model.setScores(2, 3, v, ci);
        QCOMPARE(model.rowCount(), 6);
        const QModelIndex idx = model.index(CellRef{1, 1}, HeadScoreModel::ValueColumn);
        QCOMPARE(idx.data(HeadScoreModel::ValueRole).toDouble(), 0.9);
        QCOMPARE(idx.data(HeadScoreModel::RankRole).toInt(), 1); // tie with (0, 1) shares rank 1
        QCOMPARE(model.index(CellRef{0, 2}).data(HeadScoreModel::RankRole).toInt(), 3);
        QCOMPARE(model.index(CellRef{1, 2}).data(HeadScoreModel::RankRole).toInt(), 6);
        QCOMPARE(model.fromIndex(idx), (CellRef{1, 1}));
        QCOMPARE(model.index(CellRef{1, 0}, HeadScoreModel::CiColumn).data().toString(), QStringLiteral("± 0.0400"));
        QVERIFY(!model.index(CellRef{2, 0}).isValid());
        // One number of decimals per column (four significant digits of the largest value), so
        // 0.9 and 0.1234 line up instead of showing as "0.9" and "0.1234".
        QCOMPARE(model.index(CellRef{0, 1}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("0.9000"));
        QCOMPARE(model.index(CellRef{1, 2}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("0.0000"));
        const std::vector<double> mixed = {12.5, 0.012345, std::nan(""), -3.25};
        model.setScores(1, 4, mixed);
        QCOMPARE(model.index(CellRef{0, 0}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("12.50"));
        QCOMPARE(model.index(CellRef{0, 1}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("0.01"));
        QCOMPARE(model.index(CellRef{0, 2}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("—"));
        QCOMPARE(model.index(CellRef{0, 3}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("-3.25"));
        const std::vector<double> tiny = {0.000123, 0.0000456};
        model.setScores(1, 2, tiny);
        QCOMPARE(model.index(CellRef{0, 0}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("0.0001230"));
        QCOMPARE(model.index(CellRef{0, 1}, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("0.0000456"));
    }

    void proxySortsAndKeepsTopN()
    {
        HeadScoreModel model;
        const std::vector<double> v = {0.1, 0.9, 0.5, 0.3, 0.8, 0.0};
        model.setScores(2, 3, v);
        TopHeadsProxy proxy;
        proxy.setSourceModel(&model);
        proxy.sort(HeadScoreModel::ValueColumn, Qt::DescendingOrder);
        proxy.setTopN(3);
        QCOMPARE(proxy.rowCount(), 3);
        QCOMPARE(proxy.index(0, HeadScoreModel::ValueColumn).data(HeadScoreModel::ValueRole).toDouble(), 0.9);
        QCOMPARE(proxy.index(1, HeadScoreModel::ValueColumn).data(HeadScoreModel::ValueRole).toDouble(), 0.8);
        QCOMPARE(proxy.index(2, HeadScoreModel::LayerColumn).data().toInt(), 0);
        QCOMPARE(proxy.index(2, HeadScoreModel::HeadColumn).data().toInt(), 2);
        proxy.setTopN(0);
        QCOMPARE(proxy.rowCount(), 6);
    }

    void csvExport()
    {
        HeadScoreModel model;
        const std::vector<double> v = {0.25, 0.75};
        model.setScores(1, 2, v);
        QString csv = tableToCsv(model);
        QStringList lines = csv.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0], QStringLiteral("Rank,Layer,Head,Score,95% CI ±"));
        QCOMPARE(lines[2], QStringLiteral("1,0,1,0.75,"));
        // The CI is a number column (the screen shows "± 0.0222"), and a preamble says what the
        // table holds.
        const std::vector<double> ci = {0.0111, 0.0222};
        model.setScores(1, 2, v, ci);
        QCOMPARE(model.index(1, HeadScoreModel::CiColumn).data().toString(), QStringLiteral("± 0.0222"));
        QCOMPARE(model.index(1, HeadScoreModel::ValueColumn).data().toString(), QStringLiteral("0.7500"));
        csv = tableToCsv(model, {{QStringLiteral("Metric"), QStringLiteral("InfScore (inf)")},
                                 {QStringLiteral("Gate"), QStringLiteral("rouge1_recall > 50")}});
        lines = csv.trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines[0], QStringLiteral("# Metric: InfScore (inf)"));
        QCOMPARE(lines[1], QStringLiteral("# Gate: rouge1_recall > 50"));
        QCOMPARE(lines[4], QStringLiteral("1,0,1,0.75,0.0222"));
        QCOMPARE(lines[3], QStringLiteral("2,0,0,0.25,0.0111"));
        QTemporaryDir dir;
        QString error;
        QVERIFY(writeTableCsv(model, dir.filePath(QStringLiteral("t.csv")), &error));
        QVERIFY(!writeTableCsv(model, dir.filePath(QStringLiteral("missing/t.csv")), &error));
        QVERIFY(error.contains(QStringLiteral("missing/t.csv")));
    }
};

QTEST_MAIN(TestHeadScoreModel)
#include "tst_head_score_model.moc"
