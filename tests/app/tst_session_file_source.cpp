// A session written with core's SessionWriter, opened through the GUI: aggregation equals the
// reader's, the gate threshold re-aggregates, the needle grid and test detail fill.
#include "controllers/session_controller.h"
#include "controllers/session_file_source.h"
#include "main_window.h"
#include "plots/attention_row_plot.h"
#include "plots/heatmap_plot.h"
#include "widgets/budget_panel.h"
#include "widgets/needle_grid_panel.h"
#include "widgets/param_slider.h"
#include "widgets/scores_panel.h"
#include "widgets/session_filter_panel.h"

#include "fakes/byte_tokenizer.h"

#include "headscope/core/session.h"
#include "headscope/core/tokenizer.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

using namespace headscope;
using namespace headscope::app;

namespace {
constexpr int kLayers = 4;
constexpr int kHeads = 4;

// 2 lengths × 2 depths; tests at length 200 fail the gate. Head (2, 1) retrieves when passing.
void writeFixture(const std::filesystem::path& path)
{
    SessionManifest manifest;
    manifest.layers = kLayers;
    manifest.heads = kHeads;
    manifest.kvHeads = 2;
    manifest.headDim = 16;
    manifest.lengths = {100, 200};
    manifest.depths = {0.0, 0.5};
    manifest.needlesJsonl = "{\"needle\": \"The best thing to do in San Francisco is to eat a sandwich.\", "
                            "\"question\": \"What is the best thing to do in San Francisco?\", "
                            "\"real_needle\": \"eat a sandwich\"}\n";
    manifest.device = "cpu";
    manifest.dtype = "f32";
    auto writer = SessionWriter::create(path, manifest);
    int id = 0;
    for (int length : manifest.lengths) {
        for (double depth : manifest.depths) {
            SessionTest t;
            t.id = id;
            t.length = length;
            t.depth = depth;
            t.needleIndex = 0;
            t.spanStart = 10 + static_cast<int>(depth * 40);
            t.spanEnd = t.spanStart + 6;
            t.promptLength = length;
            const bool pass = length == 100;
            t.text = pass ? "eat a sandwich" : "go swimming";
            t.rouge1Recall = pass ? 100.0 : 0.0;
            t.qaF1 = pass ? 80.0 : 10.0;
            t.scores.layers = kLayers;
            t.scores.heads = kHeads;
            t.scores.scoredRows = 1;
            for (auto& v : t.scores.values) {
                v.assign(kLayers * kHeads, 0.0);
                for (int i = 0; i < kLayers * kHeads; ++i)
                    v[static_cast<std::size_t>(i)] = 0.01 * ((i * 7 + id) % 5);
                if (pass)
                    v[2 * kHeads + 1] = 0.9 - 0.1 * id;
            }
            StoredStep step;
            step.token = 42;
            for (int r = 0; r < kLayers * kHeads; ++r) {
                RowStats s;
                s.rowLength = length;
                s.topIndices = {static_cast<int32_t>(t.spanStart + 1), 0, 3};
                s.topWeights = {0.6f, 0.2f, 0.05f};
                s.needleMass = 0.62;
                step.rows.push_back(s);
            }
            writer->appendTest(t, {step});
            ++id;
        }
    }
}
} // namespace

class TestSessionFileSource : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_path;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("HeadScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_session_file_source"));
        qputenv("HEADSCOPE_NO_DIALOGS", "1");
        m_path = m_dir.filePath(QStringLiteral("fixture.h5"));
        writeFixture(m_path.toStdString());
    }

    void sourceMatchesReader()
    {
        auto source = SessionFileSource::open(m_path.toStdString());
        QCOMPARE(source->layers(), kLayers);
        QCOMPARE(source->tests().size(), std::size_t{4});
        QCOMPARE(source->distinctDepths(), (std::vector<double>{0.0, 50.0}));
        QCOMPARE(source->tests()[0].question, QStringLiteral("What is the best thing to do in San Francisco?"));
        QCOMPARE(source->tests()[0].expected, QStringLiteral("eat a sandwich"));
        views::AggregateQuery q;
        q.metric = HeadMetric::Inf;
        q.gate = 0;
        q.threshold = 50;
        const views::MetricMap m = source->aggregate(q);
        SessionQuery sq;
        sq.metric = HeadMetric::Inf;
        sq.gate = Gate::Rouge1;
        sq.threshold = 50;
        const SessionAggregate expected = source->reader().aggregate(sq);
        QCOMPARE(m.tests, 2);
        QCOMPARE(m.matrix.values, expected.mean.values);
        QCOMPARE(m.matrix.at(2, 1), (0.9 + 0.8) / 2.0);
        q.depths = {50.0};
        QCOMPARE(source->aggregate(q).tests, 1);
        const auto row = source->attentionRow(1, 0, 2, 1);
        QVERIFY(row.has_value());
        QCOMPARE(row->keys, 100);
        QCOMPARE(row->needleBegin, 30);
        QCOMPARE(row->topIndices.front(), 31);
        QCOMPARE(source->steps(1), 1);
    }

    void tokenTextComesFromTheRecordedIds()
    {
        // The haystack this session was probed on is gone; its prompt ids and tokenizer are not.
        const std::filesystem::path model = m_dir.filePath(QStringLiteral("byte_model")).toStdString();
        testing::writeByteTokenizerModel(model);
        const Tokenizer tokenizer = Tokenizer::fromDirectory(model);
        SessionManifest manifest;
        manifest.layers = 1;
        manifest.heads = 1;
        manifest.modelPath = model.string();
        manifest.tokenizerSha256 = tokenizer.sha256();
        manifest.haystack = "dir " + m_dir.filePath(QStringLiteral("deleted_essays")).toStdString() + " sha256=" +
                            std::string(64, 'a');
        manifest.needlesJsonl = "{\"needle\": \"The code is 42.\", \"question\": \"What is the code?\"}\n";
        const std::string path = m_dir.filePath(QStringLiteral("recorded_ids.h5")).toStdString();
        {
            auto writer = SessionWriter::create(path, manifest);
            SessionTest t;
            t.promptIds = tokenizer.encode("Sea. The code is 42. Sky.", true);
            t.promptLength = static_cast<int64_t>(t.promptIds.size());
            t.length = static_cast<int>(t.promptLength);
            t.spanStart = 6;
            t.spanEnd = 20;
            t.generatedIds = tokenizer.encode("42");
            t.scores.layers = 1;
            t.scores.heads = 1;
            t.scores.scoredRows = 1;
            for (auto& v : t.scores.values)
                v.assign(1, 0.5);
            StoredStep step;
            step.token = t.generatedIds.front();
            RowStats row;
            row.rowLength = t.promptLength;
            row.topIndices = {7};
            row.topWeights = {0.9f};
            step.rows.push_back(row);
            writer->appendTest(t, {step});
        }
        const auto source = SessionFileSource::open(path);
        QCOMPARE(source->tests().front().needleSpan, std::optional(std::make_pair(int64_t(6), int64_t(20))));
        QCOMPARE(source->promptIds(0), tokenizer.encode("Sea. The code is 42. Sky.", true));
        const auto row = source->attentionRow(0, 0, 0, 0);
        QVERIFY(row.has_value());
        QCOMPARE(row->tokens.size(), qsizetype(row->keys));
        QCOMPARE(row->tokens.at(0), QStringLiteral("<|begin_of_text|>"));
        QCOMPARE(row->tokens.mid(1, 4).join(QString()), QStringLiteral("Sea."));
        QCOMPARE(source->contextTokens(0).last(), QStringLiteral("2")); // the generated "42", one byte each
    }

    void mainWindowShowsSession()
    {
        MainWindow window;
        QSignalSpy opened(window.sessions(), &SessionController::opened);
        window.openFile(m_path);
        QVERIFY(opened.wait(10000));
        QVERIFY(window.sessionFilters()->source() != nullptr);
        // The budget panel takes the model shape from the manifest (4 × 4 heads, 2 KV heads, d 16).
        QVERIFY(window.budgetPanel()->plan().has_value());
        QCOMPARE(window.budgetPanel()->plan()->model->kvHeads, 2);
        QCOMPARE(window.budgetPanel()->plan()->model->headDim, 16);
        QCOMPARE(window.sessionFilters()->acceptedTests(), 2);
        views::HeatmapPlot* heads = window.scoresPanel()->heatmap();
        QCOMPARE(heads->value(2, 1), (0.9 + 0.8) / 2.0);
        window.sessionFilters()->thresholdSlider()->setValue(0); // rouge 0 is not > 0: still 2
        QCOMPARE(window.sessionFilters()->acceptedTests(), 2);
        window.sessionFilters()->gateBox()->setCurrentIndex(0);       // no gate: all 4 tests
        QCOMPARE(window.sessionFilters()->acceptedTests(), 4);
        // Cell (2, 1) is flat index 9: failing tests hold 0.01·((9·7 + id) % 5).
        QCOMPARE(heads->value(2, 1), (0.9 + 0.8 + 0.01 * ((63 + 2) % 5) + 0.01 * ((63 + 3) % 5)) / 4.0);
        views::NeedleGridPanel* grid = window.needleGrid();
        QCOMPARE(grid->grid()->rows(), 2);
        QCOMPARE(grid->grid()->cols(), 2);
        QCOMPARE(grid->grid()->value(0, 0), 100.0);
        QCOMPARE(grid->openCell(1, 1), 3);
        QVERIFY(grid->rowPlot()->needleMass() > 0.5);
    }
};

QTEST_MAIN(TestSessionFileSource)
#include "tst_session_file_source.moc"
