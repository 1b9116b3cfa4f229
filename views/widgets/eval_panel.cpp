#include "widgets/eval_panel.h"

#include "plots/accuracy_budget_plot.h"

#include "headscope/core/allocation_method.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace headscope::views {

namespace {

// One color per allocation method, the same in every file.
QColor methodColor(const std::string& method)
{
    static const QColor palette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                     QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194)};
    const auto methods = allAllocationMethods();
    for (std::size_t i = 0; i < methods.size(); ++i)
        if (allocationMethodName(methods[i]) == method)
            return palette[i % std::size(palette)];
    return QColor(90, 90, 90);
}

} // namespace

EvalPanel::EvalPanel(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_group(new QComboBox(this)), m_plot(new AccuracyBudgetPlot(this)),
      m_tableTitle(new QLabel(this)), m_table(new QTableView(this)), m_model(new EvalDisagreementModel(this)),
      m_proxy(new QSortFilterProxyModel(this)), m_compare(new QPushButton(QStringLiteral("Open in Compare"), this))
{
    m_title->setText(QStringLiteral("Open an eval results file (headscope-cli eval --out results.h5) to see "
                                    "accuracy against the KV budget."));
    m_title->setWordWrap(true);
    m_plot->setAxisTitles(QStringLiteral("KV budget per head (tokens, window included)"), QStringLiteral("score ×100"));
    m_proxy->setSourceModel(m_model);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_compare->setEnabled(false);
    m_compare->setToolTip(QStringLiteral("Run the selected example with the full cache and with its configuration "
                                         "(needs the model the eval ran on, loaded with File ▸ Load model checkpoint)"));

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(QStringLiteral("Dataset:"), this));
    top->addWidget(m_group, 1);
    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto* tableTop = new QHBoxLayout;
    tableTop->addWidget(m_tableTitle, 1);
    tableTop->addWidget(m_compare);
    tableLayout->addLayout(tableTop);
    tableLayout->addWidget(m_table);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_plot);
    split->addWidget(tableBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    connect(m_group, &QComboBox::currentIndexChanged, this, [this] { showGroup(); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_compare->setEnabled(selectedRow() >= 0); });
    connect(m_table, &QTableView::doubleClicked, this, [this] { requestCompare(); });
    connect(m_compare, &QPushButton::clicked, this, &EvalPanel::requestCompare);
    showGroup();
}

EvalPanel::~EvalPanel() = default;

void EvalPanel::setResults(const QString& title, std::vector<EvalRecord> records, std::vector<EvalSummaryRow> summary)
{
    m_records = std::make_shared<const std::vector<EvalRecord>>(std::move(records));
    m_summary = std::move(summary);
    m_groups.clear();
    for (const EvalSummaryRow& row : m_summary) {
        const EvalGroup g{row.dataset, row.maxLength};
        if (std::find(m_groups.begin(), m_groups.end(), g) == m_groups.end())
            m_groups.push_back(g);
    }
    m_title->setText(title);
    const QSignalBlocker block(m_group);
    m_group->clear();
    for (const EvalGroup& g : m_groups)
        m_group->addItem(g.label());
    m_group->setCurrentIndex(m_groups.empty() ? -1 : 0);
    showGroup();
}

void EvalPanel::clear()
{
    setResults(QString(), {}, {});
}

void EvalPanel::setCurrentGroup(int index)
{
    m_group->setCurrentIndex(index);
}

int EvalPanel::currentGroup() const
{
    return m_group->currentIndex();
}

void EvalPanel::showGroup()
{
    const int g = currentGroup();
    if (g < 0 || g >= static_cast<int>(m_groups.size())) {
        m_plot->setData({}, std::nullopt);
        m_model->clear();
        m_tableTitle->setText(QString());
        m_compare->setEnabled(false);
        return;
    }
    const EvalGroup& group = m_groups[static_cast<std::size_t>(g)];
    std::vector<AccuracyBudgetPlot::Curve> curves;
    std::map<std::string, std::size_t> curveOf;
    std::optional<AccuracyBudgetPlot::Reference> full;
    QString metric;
    int examples = 0;
    for (const EvalSummaryRow& row : m_summary) {
        if (!(EvalGroup{row.dataset, row.maxLength} == group))
            continue;
        metric = QString::fromStdString(row.metric);
        examples = std::max(examples, row.score.n);
        if (row.config.isFull()) {
            full = AccuracyBudgetPlot::Reference{QStringLiteral("full cache"), row.score.mean, row.score.low,
                                                 row.score.high};
            continue;
        }
        auto [it, added] = curveOf.try_emplace(row.config.method, curves.size());
        if (added)
            curves.push_back({QString::fromStdString(row.config.method), methodColor(row.config.method), {}});
        curves[it->second].points.push_back(
            {static_cast<double>(row.config.budget), row.score.mean, row.score.low, row.score.high});
    }
    for (auto& c : curves)
        std::sort(c.points.begin(), c.points.end(), [](const auto& a, const auto& b) { return a.budget < b.budget; });
    m_plot->setAxisTitles(QStringLiteral("KV budget per head (tokens, window included)"),
                          QStringLiteral("%1 ×100, mean and 95 % interval over %2 examples").arg(metric).arg(examples));
    m_plot->setData(curves, full);
    m_model->setRecords(m_records, group);
    m_table->resizeColumnsToContents();
    m_tableTitle->setText(m_model->rowCount() == 0
                              ? QStringLiteral("Every compressed configuration scores as the full cache does here.")
                              : QStringLiteral("%1 example × configuration pairs where a compressed cache scores "
                                               "unlike the full cache")
                                    .arg(m_model->rowCount()));
    m_compare->setEnabled(false);
}

int EvalPanel::selectedRow() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : m_proxy->mapToSource(rows.front()).row();
}

const EvalRecord* EvalPanel::selectedRecord() const
{
    const int row = selectedRow();
    return row < 0 ? nullptr : &m_model->record(row);
}

const EvalOutcome* EvalPanel::selectedOutcome() const
{
    const int row = selectedRow();
    return row < 0 ? nullptr : &m_model->outcome(row);
}

void EvalPanel::requestCompare()
{
    const EvalRecord* r = selectedRecord();
    const EvalOutcome* o = selectedOutcome();
    if (!r || !o)
        return;
    Q_EMIT compareRequested(r->index, QString::fromStdString(o->config.method), o->config.budget);
}

} // namespace headscope::views
