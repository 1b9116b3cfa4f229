// ScoresPanel: heatmap ↔ table linking and metric switching.
#include "models/head_score_model.h"
#include "models/top_heads_proxy.h"
#include "plots/heatmap_plot.h"
#include "widgets/model_card.h"
#include "widgets/scores_panel.h"

#include "headscope/core/model_config.h"

#include <QSignalSpy>
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
        QCOMPARE(card.field(QStringLiteral("Not loaded")), QStringLiteral("vision tower (SigLIP), multimodal projector"));
    }
};

QTEST_MAIN(TestScoresPanel)
#include "tst_scores_panel.moc"
