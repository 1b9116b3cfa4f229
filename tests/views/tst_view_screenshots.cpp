// Renders each main view from the real 32×32 score files and checks the images are non-blank
// and of the expected size. With HEADSCOPE_WRITE_SCREENSHOTS=1 the PNGs go to docs/screenshots/,
// otherwise to a temporary directory.
#include "models/score_set.h"
#include "plots/heatmap_plot.h"
#include "widgets/budget_panel.h"
#include "widgets/model_card.h"
#include "widgets/scores_panel.h"
#include "views/image_checks.h"

#include "headscope/core/score_file.h"

#include <QtTest>

using namespace headscope;
using headscope::testing::distinctColors;
using namespace headscope::views;

namespace {
MetricMap metricFromFile(HeadMetric metric, const QString& relative)
{
    const ImportedScores imported =
        importScoreFile((QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/head_scores/") + relative).toStdString());
    MetricMap m = metricFromPerTestLists(metric, imported.matrix.layers, imported.matrix.heads, imported.lists);
    m.matrix = imported.matrix;
    if (m.tests <= 1)
        m.ciHalfWidth.clear();
    return m;
}
} // namespace

class TestViewScreenshots : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QString m_dir;
    ScoreSet m_set;

    QImage shoot(QWidget& w, const QString& name)
    {
        w.resize(1280, 760);
        w.show();
        if (!QTest::qWaitForWindowExposed(&w))
            return {};
        QCoreApplication::processEvents();
        const QImage image = w.grab().toImage();
        image.save(QDir(m_dir).filePath(name));
        return image;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_dir = qEnvironmentVariableIsSet("HEADSCOPE_WRITE_SCREENSHOTS")
                    ? QStringLiteral(HEADSCOPE_SOURCE_DIR "/docs/screenshots")
                    : m_tmp.path();
        QDir().mkpath(m_dir);
        if (!QFileInfo::exists(QStringLiteral(HEADSCOPE_TEST_FIXTURES_DIR "/head_scores/dililazykv/head_inf.json")))
            QFAIL("head-score file missing from tests/data/head_scores");
        m_set.source = QStringLiteral("Llama-3-8B scores");
        m_set.metrics.push_back(metricFromFile(
            HeadMetric::Inf,
            QStringLiteral("dililazykv/meta-llama_Meta-Llama-3-8B-Instruct_head_infscores_list_20250428_105630.json")));
        m_set.metrics.push_back(metricFromFile(HeadMetric::Lazy, QStringLiteral("dililazykv/head_lazy.json")));
        m_set.metrics.push_back(metricFromFile(
            HeadMetric::Reasoning,
            QStringLiteral("headkv/Meta-Llama-3-8B-Instruct_retrieval_reasoning_heads.json")));
    }

    void headsView()
    {
        ScoresPanel panel;
        panel.setScoreSet(m_set);
        panel.selectHead(17, 24);
        const QImage image = shoot(panel, QStringLiteral("heads.png"));
        QCOMPARE(image.size(), QSize(1280, 760));
        QVERIFY(distinctColors(image) > 100);
        QCOMPARE(panel.heatmap()->rows(), 32);
        QCOMPARE(panel.heatmap()->cols(), 32);
    }

    void budgetView()
    {
        BudgetPanel panel;
        panel.setScores(m_set.metrics.front().matrix);
        panel.setMethod(AllocationMethod::DiliLazyKv);
        const QImage image = shoot(panel, QStringLiteral("budget.png"));
        QCOMPARE(image.size(), QSize(1280, 760));
        QVERIFY(distinctColors(image) > 100);
    }

    void modelCard()
    {
        ModelCard card;
        ModelConfig c;
        c.architectureName = "LlamaForCausalLM";
        c.numLayers = 4;
        c.numHeads = 8;
        c.numKvHeads = 2;
        c.headDim = 16;
        c.hiddenSize = 128;
        c.vocabSize = 1024;
        c.maxPositionEmbeddings = 2048;
        card.setModel(c, QStringLiteral("llama"), QStringLiteral("resources/demo_model"), QStringLiteral("F32"), 1234567,
                      4938268);
        QCOMPARE(card.field(QStringLiteral("KV heads")), QStringLiteral("2 (group size 4)"));
        QCOMPARE(card.field(QStringLiteral("Parameters")), QStringLiteral("1,234,567 (1.23 M)"));
        const QImage image = shoot(card, QStringLiteral("model_card.png"));
        QVERIFY(distinctColors(image) > 5);
    }
};

QTEST_MAIN(TestViewScreenshots)
#include "tst_view_screenshots.moc"
