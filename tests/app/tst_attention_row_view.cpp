// The needle grid's attention row view over sessions written with core's SessionWriter: where the session stores the full row of a test/step, every context position is
// plotted and the label says "full row"; elsewhere the stored top-K are drawn with a label that
// says why. Needle shading and top-K markers stay in both modes.
// With HEADSCOPE_WRITE_SCREENSHOTS=1 the full-row view goes to docs/screenshots/.
#include "controllers/session_file_source.h"
#include "plots/attention_row_plot.h"
#include "widgets/needle_grid_panel.h"

#include "headscope/core/session.h"
#include "views/image_checks.h"

#include <QSpinBox>
#include <QTextBrowser>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

using namespace headscope;
using headscope::testing::distinctColors;
using namespace headscope::app;
using namespace headscope::views;

namespace {
constexpr int kLayers = 2;
constexpr int kHeads = 3;
constexpr int kTopK = 5;
constexpr int kRetrievalLayer = 1; // this head copies from the needle
constexpr int kRetrievalHead = 2;

struct FixtureTest {
    int length;
    double depth;
    int spanStart;
};
// Test 0 keeps its full rows for step 0 (as `probe --store-rows 0` would), test 1 none.
const FixtureTest kTests[] = {{300, 0.5, 150}, {200, 0.25, 50}};
constexpr int kSpanLength = 6;
constexpr int kSteps = 2;

// A deterministic attention row: a textured floor, a sink at key 0, and one hot key — inside
// the needle for the retrieval head, elsewhere for the others. Sums to 1, and every weight is
// a normal float16, so the stored row reads back within float16 rounding.
std::vector<float> fixtureRow(int keys, int spanStart, int layer, int head, int step)
{
    std::vector<float> w(static_cast<std::size_t>(keys));
    for (int k = 0; k < keys; ++k)
        w[static_cast<std::size_t>(k)] = 0.001f * static_cast<float>(1 + (k * 7 + layer * 3 + head) % 5);
    w[0] += 0.2f;
    const bool retrieval = layer == kRetrievalLayer && head == kRetrievalHead;
    w[static_cast<std::size_t>(retrieval ? spanStart + 2 + step : keys / 3 + head)] += 0.3f;
    const float sum = std::accumulate(w.begin(), w.end(), 0.0f);
    for (float& v : w)
        v /= sum;
    return w;
}

// float32 → float16 bits, round to nearest, for the normal positive values fixtureRow makes
// (core's converter is private to headscope_core).
uint16_t toF16(float f)
{
    uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof bits);
    const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
    const uint32_t mantissa = bits & 0x7fffff;
    uint32_t half = (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
    if (mantissa & 0x1000)
        ++half; // a carry into the exponent is still the right rounding
    return static_cast<uint16_t>(half);
}

RowStats statsOf(const std::vector<float>& w, int spanStart)
{
    RowStats s;
    std::vector<int> order(w.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&w](int a, int b) {
        return w[static_cast<std::size_t>(a)] > w[static_cast<std::size_t>(b)];
    });
    for (int i = 0; i < kTopK; ++i) {
        s.topIndices.push_back(order[static_cast<std::size_t>(i)]);
        s.topWeights.push_back(w[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
    }
    for (int k = spanStart; k < spanStart + kSpanLength; ++k)
        s.needleMass += w[static_cast<std::size_t>(k)];
    s.rowLength = static_cast<int64_t>(w.size());
    return s;
}

void writeFixture(const std::filesystem::path& path, bool withFullRows)
{
    SessionManifest manifest;
    manifest.layers = kLayers;
    manifest.heads = kHeads;
    manifest.kvHeads = 1;
    manifest.headDim = 16;
    manifest.topK = kTopK;
    manifest.lengths = {300, 200};
    manifest.depths = {0.25, 0.5};
    manifest.needlesJsonl = "{\"needle\": \"The best thing to do in San Francisco is to eat a sandwich.\", "
                            "\"question\": \"What is the best thing to do in San Francisco?\", "
                            "\"real_needle\": \"eat a sandwich\"}\n";
    manifest.device = "cpu";
    manifest.dtype = "f32";
    auto writer = SessionWriter::create(path, manifest);
    for (int id = 0; id < 2; ++id) {
        const FixtureTest& f = kTests[id];
        SessionTest t;
        t.id = id;
        t.length = f.length;
        t.depth = f.depth;
        t.spanStart = f.spanStart;
        t.spanEnd = f.spanStart + kSpanLength;
        t.promptLength = f.length;
        t.text = "eat a sandwich";
        t.rouge1Recall = 100.0;
        t.qaF1 = 100.0;
        t.scores.layers = kLayers;
        t.scores.heads = kHeads;
        t.scores.scoredRows = kSteps;
        for (auto& v : t.scores.values) {
            v.assign(kLayers * kHeads, 0.01);
            v[kRetrievalLayer * kHeads + kRetrievalHead] = 0.9;
        }
        std::vector<StoredStep> steps;
        std::vector<FullAttentionRows> full;
        for (int step = 0; step < kSteps; ++step) {
            const int keys = f.length + step; // each generated token adds a key
            StoredStep s;
            s.token = 42 + step;
            FullAttentionRows rows;
            rows.step = step;
            rows.rowLength = keys;
            for (int l = 0; l < kLayers; ++l)
                for (int h = 0; h < kHeads; ++h) {
                    const std::vector<float> w = fixtureRow(keys, f.spanStart, l, h, step);
                    s.rows.push_back(statsOf(w, f.spanStart));
                    for (float v : w)
                        rows.f16.push_back(toF16(v));
                }
            steps.push_back(std::move(s));
            if (withFullRows && id == 0 && step == 0)
                full.push_back(std::move(rows));
        }
        writer->appendTest(t, steps, full);
    }
}

QString screenshotDir()
{
    static QTemporaryDir tmp;
    return qEnvironmentVariableIsSet("HEADSCOPE_WRITE_SCREENSHOTS") ? QStringLiteral(HEADSCOPE_SOURCE_DIR "/docs/screenshots")
                                                                    : tmp.path();
}

} // namespace

class TestAttentionRowView : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    std::shared_ptr<SessionFileSource> m_withRows;
    std::shared_ptr<SessionFileSource> m_topKOnly;

    // The panel on `source` with test `test` open and the retrieval head selected.
    static void open(NeedleGridPanel& panel, std::shared_ptr<SessionFileSource> source, int test)
    {
        panel.setSource(std::move(source));
        panel.openTest(test);
        panel.selectHead(kRetrievalLayer, kRetrievalHead);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        const std::filesystem::path dir = m_tmp.path().toStdString();
        writeFixture(dir / "with_rows.h5", true);
        writeFixture(dir / "top_k_only.h5", false);
        m_withRows = SessionFileSource::open(dir / "with_rows.h5");
        m_topKOnly = SessionFileSource::open(dir / "top_k_only.h5");
        QCOMPARE(m_withRows->reader().fullRowSteps(0), std::vector<int>{0});
    }

    void storedFullRowIsPlottedAtEveryPosition()
    {
        NeedleGridPanel panel;
        open(panel, m_withRows, 0);
        const AttentionRowPlot* plot = panel.rowPlot();
        QVERIFY(plot->showsFullRow());
        QCOMPARE(plot->plottedPositions(), 300);
        QCOMPARE(plot->modeLabel(), QStringLiteral("full row (300 positions)"));
        const std::vector<float> expected = fixtureRow(300, 150, kRetrievalLayer, kRetrievalHead, 0);
        const AttentionRow& row = plot->row();
        QCOMPARE(row.weights.size(), expected.size());
        for (std::size_t k = 0; k < expected.size(); ++k)
            QVERIFY2(std::abs(row.weights[k] - expected[k]) <= 1e-3 * expected[k], qPrintable(QString::number(k)));
        // Needle shading and the stored top-K markers are still there.
        QCOMPARE(row.needleBegin, 150);
        QCOMPARE(row.needleEnd, 156);
        QCOMPARE(row.topIndices, statsOf(expected, 150).topIndices);
        // Mass over every needle position, not just the ones that made the top-K.
        double fullMass = 0.0;
        for (int k = 150; k < 156; ++k)
            fullMass += expected[static_cast<std::size_t>(k)];
        QVERIFY(std::abs(plot->needleMass() - fullMass) < 1e-3);
        QVERIFY(panel.details()->toPlainText().contains(QStringLiteral("full row (300 positions)")));
    }

    void otherStepOfTheSameTestFallsBackToTopK()
    {
        NeedleGridPanel panel;
        open(panel, m_withRows, 0);
        auto* step = panel.findChild<QSpinBox*>();
        QVERIFY(step);
        QCOMPARE(step->maximum(), kSteps - 1);
        step->setValue(1);
        const AttentionRowPlot* plot = panel.rowPlot();
        QVERIFY(!plot->showsFullRow());
        QCOMPARE(plot->plottedPositions(), kTopK);
        QCOMPARE(plot->row().keys, 301);
        QCOMPARE(plot->modeLabel(), QStringLiteral("top-K only (no full row stored for step 1 of this test)"));
    }

    void testWithoutFullRowsInASessionWithSome()
    {
        NeedleGridPanel panel;
        open(panel, m_withRows, 1);
        QVERIFY(!panel.rowPlot()->showsFullRow());
        QCOMPARE(panel.rowPlot()->modeLabel(), QStringLiteral("top-K only (no full rows stored for this test)"));
    }

    void sessionWithoutFullRowsShowsTopK()
    {
        NeedleGridPanel panel;
        open(panel, m_topKOnly, 0);
        const AttentionRowPlot* plot = panel.rowPlot();
        QVERIFY(!plot->showsFullRow());
        QVERIFY(plot->row().weights.empty());
        QCOMPARE(plot->plottedPositions(), kTopK);
        QCOMPARE(plot->modeLabel(), QStringLiteral("top-K only (session stores no full rows)"));
        const std::vector<float> expected = fixtureRow(300, 150, kRetrievalLayer, kRetrievalHead, 0);
        const RowStats stats = statsOf(expected, 150);
        QCOMPARE(plot->row().topIndices, stats.topIndices);
        QCOMPARE(plot->row().keys, 300);
        QCOMPARE(plot->row().needleBegin, 150);
        QCOMPARE(plot->row().needleEnd, 156);
        QCOMPARE(plot->visibleTo(), 299.5);
        // Only the top-K keys inside the needle count: the hot key 152 alone.
        QVERIFY(std::abs(plot->needleMass() - expected[152]) < 1e-6);
        QVERIFY(panel.details()->toPlainText().contains(QStringLiteral("session stores no full rows")));
    }

    void fullRowRendersAndZooms()
    {
        AttentionRowPlot plot;
        const auto row = m_withRows->attentionRow(0, 0, kRetrievalLayer, kRetrievalHead);
        QVERIFY(row.has_value());
        plot.setRow(*row);
        QVERIFY(plot.showsFullRow());
        plot.resize(1100, 380);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.zoomTo(120, 190);
        QCOMPARE(plot.visibleFrom(), 120.0);
        QCoreApplication::processEvents();
        const QImage zoomed = plot.grab().toImage();
        plot.zoomTo(-0.5, 299.5);
        QCoreApplication::processEvents();
        const QImage image = plot.grab().toImage();
        QVERIFY(distinctColors(image) > 10);
        QVERIFY(zoomed != image);
        QVERIFY(image.save(QDir(screenshotDir()).filePath(QStringLiteral("attention_row_full.png"))));
    }
};

QTEST_MAIN(TestAttentionRowView)
#include "tst_attention_row_view.moc"
