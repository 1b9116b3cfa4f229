// The Eval tab on hand-built results: one entry per dataset × requested length; the plot has a
// line per allocation method with the summary's means and intervals at its budgets and the full
// cache as the reference; the table lists exactly the example × configuration pairs whose score
// differs from the full cache's, in the chosen group; "Open in Compare" asks for the selected one.
#include "plots/accuracy_budget_plot.h"
#include "widgets/eval_panel.h"

#include "image_checks.h"

#include <QComboBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using namespace headscope;
using namespace headscope::views;

namespace {

EvalOutcome outcome(const std::string& method, int64_t budget, double score, const std::string& text)
{
    EvalOutcome o;
    o.config = {method, budget};
    o.score = score;
    o.prediction = text;
    return o;
}

EvalRecord record(int index, const std::string& dataset, int64_t maxLength, std::vector<EvalOutcome> outcomes)
{
    EvalRecord r;
    r.index = index;
    r.dataset = dataset;
    r.maxLength = maxLength;
    r.answers = {"4719"};
    r.outcomes = std::move(outcomes);
    return r;
}

EvalSummaryRow row(const std::string& dataset, int64_t maxLength, const std::string& method, int64_t budget,
                   double mean, double low, double high)
{
    EvalSummaryRow r;
    r.dataset = dataset;
    r.maxLength = maxLength;
    r.config = {method, budget};
    r.metric = "string_match_all";
    r.score = {mean, low, high, 2};
    return r;
}

// niah_single at 512: example 0 loses the answer under uniform C=16, example 2 under both
// budgets of headkv…; niah_multikey at 512: one disagreement.
std::vector<EvalRecord> records()
{
    return {
        record(0, "niah_single", 512,
               {outcome("full", 0, 100, "4719"), outcome("uniform", 16, 0, "0000"), outcome("uniform", 32, 100, "4719"),
                outcome("headkv", 16, 100, "4719"), outcome("headkv", 32, 100, "4719")}),
        record(1, "niah_multikey", 512,
               {outcome("full", 0, 100, "4719"), outcome("uniform", 16, 0, "1111"), outcome("uniform", 32, 100, "4719"),
                outcome("headkv", 16, 100, "4719"), outcome("headkv", 32, 100, "4719")}),
        record(2, "niah_single", 512,
               {outcome("full", 0, 0, "9999"), outcome("uniform", 16, 0, "9999"), outcome("uniform", 32, 0, "9999"),
                outcome("headkv", 16, 100, "4719"), outcome("headkv", 32, 100, "4719")}),
    };
}

std::vector<EvalSummaryRow> summary()
{
    return {row("niah_single", 512, "full", 0, 50, 0, 100),      row("niah_single", 512, "uniform", 16, 0, 0, 0),
            row("niah_single", 512, "uniform", 32, 50, 0, 100),  row("niah_single", 512, "headkv", 16, 100, 100, 100),
            row("niah_single", 512, "headkv", 32, 100, 100, 100), row("niah_multikey", 512, "full", 0, 100, 100, 100),
            row("niah_multikey", 512, "uniform", 16, 0, 0, 0),   row("niah_multikey", 512, "uniform", 32, 100, 100, 100),
            row("niah_multikey", 512, "headkv", 16, 100, 100, 100), row("niah_multikey", 512, "headkv", 32, 100, 100, 100)};
}

} // namespace

class TestEvalPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void plotsEveryMethodWithIntervals()
    {
        EvalPanel panel;
        panel.resize(900, 700);
        panel.setResults(QStringLiteral("r.h5"), records(), summary());
        QCOMPARE(panel.groupBox()->count(), 2);
        QCOMPARE(panel.groupBox()->itemText(0), QStringLiteral("niah_single at 512 tokens"));
        QCOMPARE(panel.groupBox()->itemText(1), QStringLiteral("niah_multikey at 512 tokens"));

        const AccuracyBudgetPlot* plot = panel.plot();
        QCOMPARE(plot->curveCount(), 2);
        QCOMPARE(plot->curves()[0].name, QStringLiteral("uniform"));
        QCOMPARE(plot->curves()[1].name, QStringLiteral("headkv"));
        QCOMPARE(plot->curves()[0].points.size(), std::size_t(2));
        QCOMPARE(plot->curves()[0].points[1].budget, 32.0);
        QCOMPARE(plot->curves()[0].points[1].mean, 50.0);
        QCOMPARE(plot->curves()[0].points[1].low, 0.0);
        QCOMPARE(plot->curves()[0].points[1].high, 100.0);
        QVERIFY(plot->reference().has_value());
        QCOMPARE(plot->reference()->mean, 50.0);
        QVERIFY(headscope::testing::distinctColors(plot->renderImage(QSize(500, 320))) > 8);

        panel.setCurrentGroup(1);
        QCOMPARE(panel.plot()->reference()->mean, 100.0);
        QCOMPARE(panel.plot()->curves()[0].points[0].mean, 0.0);
    }

    void tableListsDisagreementsOfTheGroup()
    {
        EvalPanel panel;
        panel.setResults(QStringLiteral("r.h5"), records(), summary());
        const EvalDisagreementModel* model = panel.disagreements();
        // niah_single: example 0 uniform C=16 (0 vs 100), example 2 headkv C=16 and C=32 (100 vs 0).
        QCOMPARE(model->rowCount(), 3);
        QCOMPARE(model->record(0).index, 0);
        QCOMPARE(model->outcome(0).config, (EvalConfigKey{"uniform", 16}));
        QCOMPARE(model->data(model->index(0, EvalDisagreementModel::FullScoreColumn)).toDouble(), 100.0);
        QCOMPARE(model->data(model->index(0, EvalDisagreementModel::ScoreColumn)).toDouble(), 0.0);
        QCOMPARE(model->data(model->index(0, EvalDisagreementModel::AnswerColumn)).toString(), QStringLiteral("0000"));
        QCOMPARE(model->data(model->index(0, EvalDisagreementModel::ReferenceColumn)).toString(), QStringLiteral("4719"));
        QCOMPARE(model->record(2).index, 2);
        QCOMPARE(model->outcome(2).config, (EvalConfigKey{"headkv", 32}));
        panel.setCurrentGroup(1);
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->record(0).index, 1);
    }

    void openInCompareAsksForTheSelectedPair()
    {
        EvalPanel panel;
        panel.setResults(QStringLiteral("r.h5"), records(), summary());
        QSignalSpy spy(&panel, &EvalPanel::compareRequested);
        QVERIFY(!panel.compareButton()->isEnabled()); // nothing selected yet
        panel.table()->sortByColumn(EvalDisagreementModel::ExampleColumn, Qt::DescendingOrder);
        panel.table()->selectRow(0); // after sorting: example 2
        QVERIFY(panel.compareButton()->isEnabled());
        QCOMPARE(panel.selectedRecord()->index, 2);
        panel.compareButton()->click();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 2);
        QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("headkv"));
        QVERIFY(spy.at(0).at(2).toLongLong() == 16 || spy.at(0).at(2).toLongLong() == 32);
    }

    void emptyResultsShowNothing()
    {
        EvalPanel panel;
        panel.setResults(QStringLiteral("r.h5"), records(), summary());
        panel.clear();
        QCOMPARE(panel.groupBox()->count(), 0);
        QCOMPARE(panel.plot()->curveCount(), 0);
        QCOMPARE(panel.disagreements()->rowCount(), 0);
        QVERIFY(!panel.compareButton()->isEnabled());
    }
};

QTEST_MAIN(TestEvalPanel)
#include "tst_eval_panel.moc"
