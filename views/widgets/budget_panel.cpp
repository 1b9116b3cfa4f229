#include "widgets/budget_panel.h"

#include "plots/bar_plot.h"
#include "plots/heatmap_plot.h"
#include "widgets/param_slider.h"

#include "headscope/core/budget_file.h"
#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QPushButton>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include <cmath>

namespace headscope::views {

namespace {
QString mib(int64_t bytes)
{
    return QStringLiteral("%1 MiB").arg(static_cast<double>(bytes) / (1024.0 * 1024.0), 0, 'f', 2);
}
} // namespace

BudgetPanel::BudgetPanel(QWidget* parent)
    : QWidget(parent), m_method(new QComboBox(this)), m_granularity(new QComboBox(this)),
      m_dtype(new QComboBox(this)), m_capacity(new ParamSlider(16, 2048, 8, 0, this)),
      m_window(new ParamSlider(0, 64, 1, 0, this)), m_beta(new ParamSlider(1.0, 10.0, 0.005, 3, this)),
      m_temp(new ParamSlider(0.1, 5.0, 0.05, 2, this)), m_epsLayer(new ParamSlider(0.0, 1.0, 0.01, 2, this)),
      m_epsHead(new ParamSlider(0.0, 4.0, 0.1, 1, this)), m_context(new QSpinBox(this)),
      m_kvHeads(new QSpinBox(this)), m_headDim(new QSpinBox(this)), m_totals(new QLabel(this)),
      m_heatmap(new HeatmapPlot(this)), m_bars(new BarPlot(this))
{
    // Ada-KV last and disabled: it allocates at prefill from a live prompt.
    for (AllocationMethod method : allAllocationMethods())
        if (method != AllocationMethod::AdaKv)
            m_method->addItem(QString::fromUtf8(allocationMethodLabel(method).data()), static_cast<int>(method));
    m_method->addItem(QString::fromUtf8(allocationMethodLabel(AllocationMethod::AdaKv).data()),
                      static_cast<int>(AllocationMethod::AdaKv));
    if (auto* items = qobject_cast<QStandardItemModel*>(m_method->model()))
        items->item(m_method->count() - 1)->setEnabled(false);
    m_granularity->addItem(QStringLiteral("Query head (HeadKV layout)"));
    m_granularity->addItem(QStringLiteral("KV head (GQA-native, mean)"));
    m_dtype->addItem(QStringLiteral("bf16"));
    m_dtype->addItem(QStringLiteral("f16"));
    m_dtype->addItem(QStringLiteral("f32"));
    m_capacity->setValue(128);
    m_window->setValue(8);
    m_beta->setValue(1.5);
    m_temp->setValue(1.0);
    m_epsLayer->setValue(0.01);
    m_epsHead->setValue(0.5);
    m_context->setRange(1, 1 << 20);
    m_context->setValue(8192);
    m_context->setSingleStep(1024);
    m_kvHeads->setRange(1, 1024);
    m_kvHeads->setValue(8);
    m_headDim->setRange(1, 1024);
    m_headDim->setValue(128);

    auto* form = new QFormLayout;
    form->addRow(QStringLiteral("Method"), m_method);
    form->addRow(QStringLiteral("Base capacity C"), m_capacity);
    form->addRow(QStringLiteral("Window w"), m_window);
    form->addRow(QStringLiteral("β"), m_beta);
    form->addRow(QStringLiteral("Temperature"), m_temp);
    form->addRow(QStringLiteral("ε layer"), m_epsLayer);
    form->addRow(QStringLiteral("ε head"), m_epsHead);
    form->addRow(QStringLiteral("Granularity"), m_granularity);
    form->addRow(QStringLiteral("Context length"), m_context);
    form->addRow(QStringLiteral("KV heads"), m_kvHeads);
    form->addRow(QStringLiteral("Head dim"), m_headDim);
    form->addRow(QStringLiteral("KV dtype"), m_dtype);
    auto* params = new QGroupBox(QStringLiteral("Allocation"), this);
    params->setLayout(form);
    m_totals->setWordWrap(true);
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* totalsBox = new QGroupBox(QStringLiteral("Totals"), this);
    auto* totalsLayout = new QVBoxLayout(totalsBox);
    totalsLayout->addWidget(m_totals);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(params);
    leftLayout->addWidget(totalsBox);
    auto* exportBudget = new QPushButton(QStringLiteral("Export budget JSON…"), this);
    auto* exportScores = new QPushButton(QStringLiteral("Export head scores (HeadKV JSON)…"), this);
    leftLayout->addWidget(exportBudget);
    leftLayout->addWidget(exportScores);
    leftLayout->addStretch(1);
    connect(exportBudget, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export budget"), QString(),
                                                          QStringLiteral("Budget JSON (*.json)"));
        QString error;
        if (!path.isEmpty() && !exportBudgetJson(path, &error))
            Q_EMIT exportFailed(QStringLiteral("Exporting the budget to %1").arg(path), error);
    });
    connect(exportScores, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export head scores"), QString(),
                                                          QStringLiteral("HeadKV head-score JSON (*.json)"));
        QString error;
        if (!path.isEmpty() && !exportHeadScoresJson(path, &error))
            Q_EMIT exportFailed(QStringLiteral("Exporting head scores to %1").arg(path), error);
    });
    left->setMinimumWidth(360);
    left->setMaximumWidth(460);

    m_heatmap->setValueLabel(QStringLiteral("tokens kept (selected)"));
    m_heatmap->setEmptyText(QStringLiteral("No budget: see the message under Totals"));
    m_heatmap->setPalette(HeatmapPlot::Palette::Heat);
    m_bars->setAxisTitles(QStringLiteral("Layer"), QStringLiteral("tokens kept per layer"));
    auto* plots = new QSplitter(Qt::Vertical, this);
    plots->addWidget(m_heatmap);
    plots->addWidget(m_bars);
    plots->setStretchFactor(0, 3);
    plots->setStretchFactor(1, 2);
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(left);
    layout->addWidget(plots, 1);

    for (ParamSlider* s : {m_capacity, m_window, m_beta, m_temp, m_epsLayer, m_epsHead})
        connect(s, &ParamSlider::valueChanged, this, &BudgetPanel::recompute);
    for (QComboBox* c : {m_method, m_granularity, m_dtype})
        connect(c, &QComboBox::currentIndexChanged, this, &BudgetPanel::recompute);
    for (QSpinBox* s : {m_context, m_kvHeads, m_headDim})
        connect(s, &QSpinBox::valueChanged, this, &BudgetPanel::recompute);
    recompute();
}

BudgetPanel::~BudgetPanel() = default;

void BudgetPanel::setScores(const ScoreMatrix& scores)
{
    m_scores = scores;
    if (m_dims.layers == 0 && !scores.empty()) {
        // No model yet: take the shape from the scores; GQA 4:1 is the common Llama/Mistral ratio.
        const QSignalBlocker b(m_kvHeads);
        m_kvHeads->setValue(scores.heads % 4 == 0 ? scores.heads / 4 : scores.heads);
    }
    if (!scores.empty() && method() == AllocationMethod::Uniform)
        setMethod(AllocationMethod::HeadKv);
    recompute();
}

void BudgetPanel::setModelDims(const ModelDims& dims)
{
    m_dims = dims;
    const QSignalBlocker b1(m_kvHeads);
    const QSignalBlocker b2(m_headDim);
    m_kvHeads->setValue(dims.kvHeads);
    m_headDim->setValue(dims.headDim);
    recompute();
}

void BudgetPanel::clearModelDims()
{
    m_dims = {};
    recompute();
}

void BudgetPanel::setMethod(AllocationMethod method)
{
    const int i = m_method->findData(static_cast<int>(method));
    if (i >= 0)
        m_method->setCurrentIndex(i);
}

AllocationMethod BudgetPanel::method() const
{
    return static_cast<AllocationMethod>(m_method->currentData().toInt());
}

BudgetSettings BudgetPanel::settings() const
{
    return {method(), m_capacity->value(), m_window->value(), m_beta->value(), m_temp->value()};
}

void BudgetPanel::applySettings(const BudgetSettings& s)
{
    setMethod(s.method);
    m_capacity->setValue(s.capacity);
    m_window->setValue(s.window);
    m_beta->setValue(s.beta);
    m_temp->setValue(s.temp);
}

HeadGranularity BudgetPanel::granularity() const
{
    return m_granularity->currentIndex() == 1 ? HeadGranularity::KvHead : HeadGranularity::QueryHead;
}

int64_t BudgetPanel::contextLength() const
{
    return m_context->value();
}

AllocationParams BudgetPanel::params() const
{
    AllocationParams p;
    p.baseCapacity = static_cast<int64_t>(m_capacity->value());
    p.window = static_cast<int>(m_window->value());
    p.beta = m_beta->value();
    p.temp = m_temp->value();
    p.epsLayer = m_epsLayer->value();
    p.epsHead = m_epsHead->value();
    return p;
}

void BudgetPanel::recompute()
{
    QElapsedTimer timer;
    timer.start();
    const bool scoreDriven = needsHeadScores(method());
    const bool usesBetaTemp = scoreDriven;
    m_beta->setEnabled(usesBetaTemp);
    m_temp->setEnabled(usesBetaTemp);
    m_epsLayer->setEnabled(method() == AllocationMethod::DiliLazyKv);
    m_epsHead->setEnabled(method() == AllocationMethod::DiliLazyKv);

    const int layers = m_dims.layers > 0 ? m_dims.layers : (m_scores.empty() ? 32 : m_scores.layers);
    const int heads = m_dims.queryHeads > 0 ? m_dims.queryHeads : (m_scores.empty() ? 32 : m_scores.heads);
    // The model's local layers (if known) hold at most their window in the estimates.
    ModelDims dims{layers, heads, m_kvHeads->value(), m_headDim->value(),
                   static_cast<int>(m_dims.slidingWindows.size()) == layers ? m_dims.slidingWindows : std::vector<int64_t>{}};
    const KvDtype dtype = parseKvDtype(m_dtype->currentText().toStdString());
    m_error.clear();
    try {
        if (scoreDriven && m_scores.empty())
            throw UsageError(std::string(allocationMethodName(method())) +
                             " needs head scores: open a score file or session first");
        if (scoreDriven && m_dims.layers > 0 &&
            (m_scores.layers != m_dims.layers || (m_scores.heads != m_dims.queryHeads && m_scores.heads != m_dims.kvHeads)))
            throw UsageError("the scores are " + std::to_string(m_scores.layers) + " layers × " +
                             std::to_string(m_scores.heads) + " heads but the loaded model has " +
                             std::to_string(m_dims.layers) + " × " + std::to_string(m_dims.queryHeads) +
                             ": open scores for this model, or load the model they were measured on");
        BudgetPlan plan = allocate(method(), scoreDriven ? &m_scores : nullptr, layers, heads, params());
        plan.model = dims;
        if (granularity() == HeadGranularity::KvHead && plan.granularity == HeadGranularity::QueryHead)
            plan = toKvHeadPlan(plan, dims.kvHeads, GroupAggregation::Mean);
        const CacheLayout layout = plan.granularity == HeadGranularity::KvHead ? CacheLayout::GqaFlattened
                                                                               : CacheLayout::QueryHeadFlattened;
        m_memory = estimateMemory(plan, dims, layout, dtype, contextLength());
        m_plan = std::move(plan);
    } catch (const Error& e) {
        m_error = QString::fromStdString(e.what());
        m_plan.reset();
        m_memory.reset();
    }

    if (!m_plan) {
        m_heatmap->setData(0, 0, {});
        m_bars->setReferenceLine(std::nan(""), QString());
        m_bars->setSeries({});
        m_totals->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(m_error.toHtmlEscaped()));
        m_lastUpdateMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        Q_EMIT planChanged();
        return;
    }
    const BudgetPlan& plan = *m_plan;
    std::vector<double> caps(plan.capacities.begin(), plan.capacities.end());
    m_heatmap->setAxisTitles(QStringLiteral("Layer"), plan.granularity == HeadGranularity::KvHead
                                                          ? QStringLiteral("KV head")
                                                          : QStringLiteral("Head"));
    m_heatmap->setData(plan.layers, plan.heads, caps);
    std::vector<double> perLayer(static_cast<std::size_t>(plan.layers), 0.0);
    for (int l = 0; l < plan.layers; ++l)
        for (int h = 0; h < plan.heads; ++h)
            perLayer[static_cast<std::size_t>(l)] +=
                static_cast<double>(plan.keptSelected(l, h, contextLength()) + plan.window);
    const double uniformPerLayer =
        static_cast<double>(plan.heads) * static_cast<double>(std::min<int64_t>(params().baseCapacity, contextLength()));
    m_bars->setSeries({{QStringLiteral("kept"), QColor(236, 112, 20), perLayer}});
    m_bars->setReferenceLine(uniformPerLayer, QStringLiteral("uniform C per head"));

    const QLocale loc(QLocale::English, QLocale::UnitedStates);
    const MemoryEstimate& mem = *m_memory;
    // docs/algorithms.md decision (g): always show the uniform-SnapKV baseline at the same C, w and layout.
    BudgetPlan uniform = allocateUniform(layers, heads, params());
    if (plan.granularity == HeadGranularity::KvHead)
        uniform = toKvHeadPlan(uniform, dims.kvHeads, GroupAggregation::Mean);
    const MemoryEstimate uniformMem = estimateMemory(uniform, dims, mem.layout, dtype, contextLength());
    const int64_t logical = plan.logicalTokens(contextLength());
    const double ratio = mem.fullCacheBytes > 0 ? static_cast<double>(mem.totalBytes) / static_cast<double>(mem.fullCacheBytes) : 0.0;
    int64_t lo = plan.capacities.empty() ? 0 : plan.capacities.front();
    int64_t hi = lo;
    for (int64_t c : plan.capacities) {
        lo = std::min(lo, c);
        hi = std::max(hi, c);
    }
    m_totals->setText(
        QStringLiteral("<b>Logical tokens kept:</b> %1 (at context %2)<br>"
                       "<b>Capacity per head:</b> %3 … %4 selected + %5 window<br>"
                       "<b>Physical bytes:</b> %6 (%7 stored heads/layer, %8)<br>"
                       "<b>Full cache:</b> %9 → <b>%10%</b> of full<br>"
                       "<b>Uniform SnapKV</b> (same C, w): %11, %12 tokens")
            .arg(loc.toString(logical), loc.toString(contextLength()))
            .arg(lo)
            .arg(hi)
            .arg(plan.window)
            .arg(mib(mem.totalBytes))
            .arg(mem.storedHeadsPerLayer)
            .arg(QString::fromStdString(cacheLayoutName(mem.layout)))
            .arg(mib(mem.fullCacheBytes))
            .arg(ratio * 100.0, 0, 'f', 1)
            .arg(mib(uniformMem.totalBytes), loc.toString(uniform.logicalTokens(contextLength()))));
    m_lastUpdateMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    Q_EMIT planChanged();
}

bool BudgetPanel::exportBudgetJson(const QString& path, QString* error) const
{
    if (!m_plan) {
        if (error)
            *error = m_error.isEmpty() ? QStringLiteral("no budget plan to export") : m_error;
        return false;
    }
    try {
        writeBudgetFile(path.toStdString(), *m_plan);
        return true;
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool BudgetPanel::exportHeadScoresJson(const QString& path, QString* error) const
{
    if (m_scores.empty()) {
        if (error)
            *error = QStringLiteral("no head scores to export");
        return false;
    }
    try {
        writeTextFile(path.toStdString(), exportHeadKvJson(m_scores));
        return true;
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

} // namespace headscope::views
