// ScoresPanel: heatmap ↔ table linking, metric switching, selecting several heads (Ctrl/Shift-click,
// drag, top k), and nothing carried over from one document to the next.
#include "models/head_score_model.h"
#include "models/top_heads_proxy.h"
#include "plots/heatmap_plot.h"
#include "widgets/model_card.h"
#include "widgets/scores_panel.h"

#include "headscope/core/model_config.h"

#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QtTest>

using namespace headscope;
using namespace headscope::views;

namespace {
MetricMap makeMetric(HeadMetric metric, int layers, int heads, double scale)
{
    MetricMap m;
    m.metric = metric;
    m.matrix.layers = layers;
    m.matrix.heads = heads;
    for (int i = 0; i < layers * heads; ++i)
        m.matrix.values.push_back(scale * ((i * 7919) % 101) / 100.0);
    return m;
}
} // namespace

class TestScoresPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clickOnHeatmapSelectsTableRow()
    {
        ScoresPanel panel;
        ScoreSet set;
        set.metrics.push_back(makeMetric(HeadMetric::Inf, 8, 6, 1.0));
        panel.setScoreSet(set);
        panel.resize(1000, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        HeatmapPlot* map = panel.heatmap();
        map->renderImage(map->canvas()->size());
        QSignalSpy spy(&panel, &ScoresPanel::headSelected);
        QTest::mouseClick(map->canvas(), Qt::LeftButton, {}, map->cellCenter(3, 4));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 3);
        QCOMPARE(spy.at(0).at(1).toInt(), 4);
        const QModelIndex current = panel.table()->currentIndex();
        QVERIFY(current.isValid());
        const CellRef cell = panel.model()->fromIndex(panel.proxy()->mapToSource(current));
        QCOMPARE(cell, (CellRef{3, 4}));
        QVERIFY(panel.table()->selectionModel()->isRowSelected(current.row(), {}));
    }

    void tableSelectionFramesHeatmapCell()
    {
        ScoresPanel panel;
        ScoreSet set;
        set.metrics.push_back(makeMetric(HeadMetric::Inf, 4, 4, 1.0));
        panel.setScoreSet(set);
        QSignalSpy spy(&panel, &ScoresPanel::headSelected);
        // The top-ranked row is first in the rank-sorted table.
        panel.table()->setCurrentIndex(panel.proxy()->index(0, 0));
        QCOMPARE(spy.count(), 1);
        const CellRef top = panel.model()->fromIndex(panel.proxy()->mapToSource(panel.proxy()->index(0, 0)));
        QCOMPARE(panel.heatmap()->selectedRow(), top.layer);
        QCOMPARE(panel.heatmap()->selectedCol(), top.head);
        QCOMPARE(panel.heatmap()->rank(top.layer, top.head), 1);
    }

    void newDocumentStartsAfresh()
    {
        // A 32×32 document, the user on Retrieval with a head of rank ~300 selected (the table
        // shows all rows for it); then another file: its own default metric, no selection, the
        // top rows, the table at its top.
        ScoresPanel panel;
        panel.resize(1100, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        ScoreSet first;
        first.document = nextDocumentId();
        first.metrics.push_back(makeMetric(HeadMetric::Inf, 32, 32, 1.0));
        first.metrics.push_back(makeMetric(HeadMetric::Retrieval, 32, 32, 2.0));
        panel.setScoreSet(first);
        QVERIFY(panel.setMetric(HeadMetric::Retrieval));
        int low = 0;
        for (int i = 0; i < 32 * 32; ++i)
            if (panel.heatmap()->rank(i / 32, i % 32) > 290) {
                low = i;
                break;
            }
        panel.selectHead(low / 32, low % 32);
        QCoreApplication::processEvents();
        QCOMPARE(panel.topRowsBox()->value(), 0); // "all": the head is outside the top 50
        QVERIFY(panel.table()->verticalScrollBar()->value() > 0);
        first.metrics[1].matrix.values[0] += 0.5; // the same document re-aggregated: choices stay
        panel.setScoreSet(first);
        QCOMPARE(panel.metric(), HeadMetric::Retrieval);
        QCOMPARE(panel.selectedHeads().size(), 1);

        ScoreSet second = first;
        second.document = nextDocumentId();
        panel.setScoreSet(second);
        QCoreApplication::processEvents();
        QCOMPARE(panel.metric(), HeadMetric::Inf);
        QVERIFY(panel.selectedHeads().isEmpty());
        QCOMPARE(panel.heatmap()->selectedRow(), -1);
        QCOMPARE(panel.topRowsBox()->value(), ScoresPanel::kDefaultTopRows);
        QCOMPARE(panel.proxy()->rowCount(), ScoresPanel::kDefaultTopRows);
        QCOMPARE(panel.table()->verticalScrollBar()->value(), 0);
        // A score file holding one metric opens on that metric.
        ScoreSet retrievalOnly;
        retrievalOnly.document = nextDocumentId();
        retrievalOnly.metrics.push_back(makeMetric(HeadMetric::Retrieval, 4, 4, 1.0));
        panel.setScoreSet(retrievalOnly);
        QCOMPARE(panel.metric(), HeadMetric::Retrieval);
    }

    void severalHeadsAreSelected()
    {
        ScoresPanel panel;
        ScoreSet set;
        set.document = nextDocumentId();
        set.metrics.push_back(makeMetric(HeadMetric::Inf, 8, 6, 1.0));
        panel.setScoreSet(set);
        panel.resize(1000, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        HeatmapPlot* map = panel.heatmap();
        map->renderImage(map->canvas()->size());
        QSignalSpy heads(&panel, &ScoresPanel::headsSelected);
        QTest::mouseClick(map->canvas(), Qt::LeftButton, {}, map->cellCenter(3, 4));
        QTest::mouseClick(map->canvas(), Qt::LeftButton, Qt::ControlModifier, map->cellCenter(5, 1));
        QTest::mouseClick(map->canvas(), Qt::LeftButton, Qt::ControlModifier, map->cellCenter(0, 0));
        QCOMPARE(panel.selectedHeads(), (ScoresPanel::Heads{{3, 4}, {5, 1}, {0, 0}}));
        QCOMPARE(heads.last().at(0).value<ScoresPanel::Heads>().size(), 3);
        QCOMPARE(panel.table()->selectionModel()->selectedRows().size(), 3);
        QVERIFY2(panel.infoLabel()->text().contains(QStringLiteral("3 selected: L3-H4, L5-H1, L0-H0")),
                 qPrintable(panel.infoLabel()->text()));
        // Ctrl-click in the table adds a row; the heatmap frames it too.
        const QModelIndex topRow = panel.proxy()->index(0, 0);
        const CellRef top = panel.model()->fromIndex(panel.proxy()->mapToSource(topRow));
        panel.table()->selectionModel()->select(topRow, QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(panel.heatmap()->selectedCells().contains(qMakePair(top.layer, top.head)));
        QCOMPARE(panel.selectedHeads().back(), qMakePair(top.layer, top.head));
        // "Select top k": the k highest heads of the metric shown, best first.
        panel.topKBox()->setValue(3);
        panel.selectTopHeads(3);
        QCOMPARE(panel.selectedHeads().size(), 3);
        for (const auto& h : panel.selectedHeads())
            QVERIFY(panel.heatmap()->rank(h.first, h.second) <= 3);
        QCOMPARE(panel.heatmap()->rank(panel.selectedHeads().front().first, panel.selectedHeads().front().second), 1);
        // Re-running without them needs a session and a model.
        QSignalSpy ablate(&panel, &ScoresPanel::ablateRequested);
        QVERIFY(!panel.ablateButton()->isEnabled());
        panel.setAblationAvailable(true);
        QVERIFY(panel.ablateButton()->isEnabled());
        panel.ablateButton()->click();
        QCOMPARE(ablate.count(), 1);
        QCOMPARE(ablate.at(0).at(0).value<ScoresPanel::Heads>(), panel.selectedHeads());
    }

    void metricSwitchChangesValues()
    {
        ScoresPanel panel;
        ScoreSet set;
        set.metrics.push_back(makeMetric(HeadMetric::Inf, 4, 4, 1.0));
        set.metrics.push_back(makeMetric(HeadMetric::Lazy, 4, 4, 3.0));
        panel.setScoreSet(set);
        QCOMPARE(panel.metric(), HeadMetric::Inf);
        const double before = panel.heatmap()->value(1, 1);
        QVERIFY(!panel.setMetric(HeadMetric::Dili)); // not in this set
        QVERIFY(panel.setMetric(HeadMetric::Lazy));
        QCOMPARE(panel.heatmap()->value(1, 1), before * 3.0);
        QCOMPARE(panel.model()->headerData(HeadScoreModel::ValueColumn, Qt::Horizontal).toString(),
                 QStringLiteral("LazyScore"));
    }

    // At the main window's default size the 95 % CI column is shown whole, not cut to "± …".
    void confidenceColumnIsNotCut()
    {
        ScoresPanel panel;
        panel.resize(1000, 700); // the Heads tab of a 1280 × 800 window
        ScoreSet set;
        set.metrics.push_back(makeMetric(HeadMetric::Inf, 32, 32, 1.0));
        for (int i = 0; i < 32 * 32; ++i)
            set.metrics[0].ciHalfWidth.push_back(0.0222 + 0.0001 * (i % 7));
        set.metrics[0].tests = 75;
        panel.setScoreSet(set);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QCoreApplication::processEvents();
        QCoreApplication::processEvents(); // the width re-fitted after the first layout
        QHeaderView* header = panel.table()->horizontalHeader();
        const int ci = HeadScoreModel::CiColumn;
        QVERIFY(!header->isSectionHidden(ci));
        const int right = header->sectionViewportPosition(ci) + header->sectionSize(ci);
        QVERIFY2(right <= panel.table()->viewport()->width(),
                 qPrintable(QStringLiteral("CI column ends at %1, viewport %2, table %3 min %4").arg(right).arg(panel.table()->viewport()->width()).arg(panel.table()->width()).arg(panel.table()->minimumWidth())));
        QVERIFY(header->sectionSize(ci) >= static_cast<const QAbstractItemView*>(panel.table())->sizeHintForColumn(ci));
        QCOMPARE(panel.table()->horizontalScrollBar()->isVisible(), false);
    }

    // Local (sliding-window) layers say so on the heatmap, and the model card lists them.
    void localLayersAreLabelled()
    {
        ScoresPanel panel;
        ScoreSet set;
        set.metrics.push_back(makeMetric(HeadMetric::Inf, 3, 2, 1.0));
        panel.setScoreSet(set);
        panel.setLayerWindows({512, 0, 512});
        QVERIFY(panel.heatmap()->tooltipText(0, 1).startsWith(QStringLiteral("Layer 0 (local 512), head 1")));
        QVERIFY(panel.heatmap()->tooltipText(1, 1).startsWith(QStringLiteral("Layer 1, head 1")));
        panel.setLayerWindows({512, 0}); // another model's layer count: plain numbers
        QVERIFY(panel.heatmap()->tooltipText(0, 1).startsWith(QStringLiteral("Layer 0, head 1")));

        ModelCard card;
        const ModelConfig c = parseModelConfig(
            R"({"architectures": ["Gemma3ForConditionalGeneration"], "text_config": {"hidden_size": 64,
                "intermediate_size": 96, "num_hidden_layers": 7, "num_attention_heads": 4, "num_key_value_heads": 2,
                "head_dim": 16, "sliding_window": 32, "vocab_size": 300}})",
            "config.json");
        card.setModel(c, QStringLiteral("gemma3_text"), QStringLiteral("dir"), QStringLiteral("BF16"), 1, 1);
        QCOMPARE(card.field(QStringLiteral("Layer types")),
                 QStringLiteral("local (window 32, RoPE θ 10000) ×6: 0-4, 6; global ×1: 5"));
        QVERIFY(card.field(QStringLiteral("Attention")).contains(QStringLiteral("q/k norm")));
        QCOMPARE(card.field(QStringLiteral("Parts not loaded")), QStringLiteral("vision tower (SigLIP), multimodal projector"));
    }
};

QTEST_MAIN(TestScoresPanel)
#include "tst_scores_panel.moc"
