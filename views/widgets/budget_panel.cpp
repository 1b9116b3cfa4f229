#include "widgets/budget_panel.h"

#include "plots/bar_plot.h"
#include "plots/heatmap_plot.h"
#include "widgets/param_slider.h"

#include "headscope/core/budget_file.h"
#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"
#include "headscope/core/score_provenance.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QPushButton>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
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
    : QWidget(parent), m_metricBox(new QComboBox(this)),
      m_follow(new QCheckBox(QStringLiteral("Follow Session filters"), this)), m_sourceLabel(new QLabel(this)),
      m_exportBudget(new QPushButton(QStringLiteral("Export &budget JSON…"), this)),
      m_exportScores(new QPushButton(QStringLiteral("Export head &scores (HeadKV JSON)…"), this)),
      m_method(new QComboBox(this)), m_granularity(new QComboBox(this)),
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
    form->addRow(QStringLiteral("Metho&d"), m_method);
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
    m_metricBox->setToolTip(QStringLiteral("The head scores the budget is allocated from (this tab's own choice)"));
    m_follow->setChecked(true);
    m_follow->setToolTip(QStringLiteral("Ticked: the gate, threshold and subset chosen under Session filters apply "
                                        "here too. Unticked: the budget keeps the scores it has while the filters "
                                        "change."));
    m_sourceLabel->setWordWrap(true);
    m_sourceLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* sourceBox = new QGroupBox(QStringLiteral("Scores"), this);
    auto* sourceForm = new QFormLayout(sourceBox);
    sourceForm->addRow(QStringLiteral("Metric"), m_metricBox);
    sourceForm->addRow(QString(), m_follow);
    sourceForm->addRow(m_sourceLabel);
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
    leftLayout->addWidget(sourceBox);
    leftLayout->addWidget(params);
    leftLayout->addWidget(totalsBox);
    leftLayout->addWidget(m_exportBudget);
    leftLayout->addWidget(m_exportScores);
    leftLayout->addStretch(1);
    connect(m_exportBudget, &QPushButton::clicked, this, [this] { exportDialog(true); });
    connect(m_exportScores, &QPushButton::clicked, this, [this] { exportDialog(false); });
    connect(m_metricBox, &QComboBox::currentIndexChanged, this, [this] {
        if (m_metricBox->currentIndex() < 0)
            return;
        m_metric = static_cast<HeadMetric>(m_metricBox->currentData().toInt());
        showSource();
        recompute();
    });
    connect(m_follow, &QCheckBox::toggled, this, [this] { showSource(); });
    // The controls scroll rather than squeeze when the window is short.
    auto* leftScroll = new QScrollArea(this);
    leftScroll->setWidget(left);
    leftScroll->setWidgetResizable(true);
    leftScroll->setFrameShape(QFrame::NoFrame);
    leftScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    leftScroll->setMinimumWidth(380);
    leftScroll->setMaximumWidth(480);

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
    layout->addWidget(leftScroll);
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
    ScoreSet set;
    set.document = nextDocumentId();
    if (!scores.empty()) {
        MetricMap map;
        map.metric = scores.metric.empty() ? HeadMetric::Inf : parseHeadMetric(scores.metric);
        map.matrix = scores;
        map.provenance.kind = ScoreProvenance::Kind::ScoreFile;
        map.provenance.metric = std::string(headMetricName(map.metric));
        map.provenance.path = scores.provenance;
        set.metrics.push_back(std::move(map));
    }
    setScoreSet(set);
}

void BudgetPanel::setScoreSet(const ScoreSet& incoming)
{
    const bool newDocument = incoming.document != m_set.document || incoming.empty();
    if (newDocument) {
        m_set = incoming;
        m_metric = incoming.defaultMetric();
        const QSignalBlocker b(m_follow);
        m_follow->setChecked(true);
    } else if (m_follow->isChecked()) {
        m_set = incoming;
    } else {
        // Held: keep the maps already here; take only metrics that were not (a score file added).
        ScoreSet merged = incoming;
        for (MetricMap& map : merged.metrics)
            if (const MetricMap* held = m_set.find(map.metric))
                map = *held;
        m_set = merged;
    }
    {
        const QSignalBlocker b(m_metricBox);
        m_metricBox->clear();
        for (const MetricMap& map : m_set.metrics)
            m_metricBox->addItem(metricLabel(map.metric), static_cast<int>(map.metric));
        if (!m_set.find(m_metric) && !m_set.empty())
            m_metric = m_set.defaultMetric();
        m_metricBox->setCurrentIndex(m_metricBox->findData(static_cast<int>(m_metric)));
        m_metricBox->setEnabled(!m_set.empty());
    }
    if (const MetricMap* map = m_set.find(m_metric); map && m_dims.layers == 0 && !map->matrix.empty()) {
        // No model yet: take the shape from the scores; GQA 4:1 is the common Llama/Mistral ratio.
        const QSignalBlocker b(m_kvHeads);
        m_kvHeads->setValue(map->matrix.heads % 4 == 0 ? map->matrix.heads / 4 : map->matrix.heads);
    }
    if (!m_set.empty() && method() == AllocationMethod::Uniform && newDocument)
        setMethod(AllocationMethod::HeadKv);
    showSource();
    recompute();
}

HeadMetric BudgetPanel::sourceMetric() const
{
    return m_metric;
}

bool BudgetPanel::setSourceMetric(HeadMetric metric)
{
    const int i = m_metricBox->findData(static_cast<int>(metric));
    if (i < 0)
        return false;
    m_metricBox->setCurrentIndex(i);
    return true;
}

bool BudgetPanel::followsFilters() const
{
    return m_follow->isChecked();
}

void BudgetPanel::setFollowsFilters(bool follow)
{
    m_follow->setChecked(follow);
}

void BudgetPanel::showSource()
{
    const MetricMap* map = m_set.find(m_metric);
    m_scores = map ? map->matrix : ScoreMatrix{};
    m_source = map ? std::optional<ScoreProvenance>(map->provenance) : std::nullopt;
    const bool session = m_source && m_source->kind == ScoreProvenance::Kind::Session;
    m_follow->setVisible(session);
    if (!m_source) {
        m_sourceLabel->setText(QStringLiteral("No scores: open a score file or session. Uniform and pyramid budgets "
                                              "need none."));
        m_sourceLabel->setToolTip(QString());
        return;
    }
    QStringList parts;
    for (const auto& [key, value] : provenanceFields(*m_source)) {
        if (key == QLatin1String("SHA-256"))
            parts << QStringLiteral("sha256 %1…").arg(value.left(12));
        else if (key == QLatin1String("Source"))
            parts << QFileInfo(value.section(QLatin1Char(' '), 1)).fileName().prepend(value.section(QLatin1Char(' '), 0, 0) + QLatin1Char(' '));
        else if (key != QLatin1String("Metric"))
            parts << QStringLiteral("%1 %2").arg(key.toLower(), value);
    }
    QString text = QStringLiteral("<b>%1</b> of %2").arg(metricLabel(m_metric).toHtmlEscaped(), parts.join(QStringLiteral(" · ")).toHtmlEscaped());
    if (session && !m_follow->isChecked())
        text += QStringLiteral("<br><i>held: changes under Session filters do not apply</i>");
    if (!map->note.isEmpty())
        text += QStringLiteral("<br><i>%1</i>").arg(map->note.toHtmlEscaped());
    m_sourceLabel->setText(text);
    m_sourceLabel->setToolTip(QString::fromStdString(m_source->describe()));
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

    m_exportBudget->setEnabled(m_plan.has_value());
    m_exportScores->setEnabled(!m_scores.empty());
    m_exportBudget->setToolTip(m_plan ? QString() : QStringLiteral("No budget to export: %1").arg(m_error));
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
    m_bars->setReferenceLine(uniformPerLayer, QStringLiteral("uniform: C per head"));
    m_heatmap->setExportInfo(QStringLiteral("%1 budget, C = %2, w = %3").arg(QString::fromUtf8(allocationMethodLabel(method()).data())).arg(params().baseCapacity).arg(plan.window),
                             m_source && needsHeadScores(method()) ? provenanceFields(*m_source) : PlotWidget::Metadata{});
    m_bars->setExportInfo(m_heatmap->exportTitle(), m_heatmap->exportMetadata());

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

QString BudgetPanel::suggestedBudgetName() const
{
    const QString stem = m_source ? QFileInfo(QString::fromStdString(m_source->path)).completeBaseName() : QStringLiteral("budget");
    const QString metric = m_source && needsHeadScores(method()) ? QStringLiteral("_") + QString::fromStdString(m_source->metric) : QString();
    return QStringLiteral("%1%2_%3_budget.json").arg(stem, metric, QString::fromUtf8(allocationMethodName(method()).data()));
}

QString BudgetPanel::suggestedScoresName() const
{
    const QString stem = m_source ? QFileInfo(QString::fromStdString(m_source->path)).completeBaseName() : QStringLiteral("scores");
    return QStringLiteral("%1_%2_heads.json").arg(stem, QString::fromStdString(std::string(headMetricName(m_metric))));
}

void BudgetPanel::exportDialog(bool budget)
{
    const QString title = budget ? QStringLiteral("Export budget") : QStringLiteral("Export head scores");
    const QString filter = budget ? QStringLiteral("Budget JSON (*.json)") : QStringLiteral("HeadKV head-score JSON (*.json)");
    QString path = QFileDialog::getSaveFileName(this, title, budget ? suggestedBudgetName() : suggestedScoresName(), filter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty()) // the filter says .json; a name typed without it gets it
        path += QStringLiteral(".json");
    QString error;
    const bool ok = budget ? exportBudgetJson(path, &error) : exportHeadScoresJson(path, &error);
    if (!ok)
        Q_EMIT exportFailed(QStringLiteral("%1 to %2").arg(title, path), error);
}

bool BudgetPanel::exportBudgetJson(const QString& path, QString* error)
{
    if (!m_plan) {
        if (error)
            *error = m_error.isEmpty() ? QStringLiteral("no budget plan to export") : m_error;
        return false;
    }
    try {
        BudgetPlan plan = *m_plan;
        if (needsHeadScores(method()) && m_source) {
            plan.source = m_source;
            plan.provenance = m_source->describe();
        }
        writeBudgetFile(path.toStdString(), plan);
        Q_EMIT exported(
            QStringLiteral("Wrote budget %1 (%2%3)")
                .arg(path, QString::fromUtf8(allocationMethodName(method()).data()),
                     plan.source ? QStringLiteral(" from %1").arg(metricLabel(m_metric)) : QString()));
        return true;
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool BudgetPanel::exportHeadScoresJson(const QString& path, QString* error)
{
    if (m_scores.empty() || !m_source) {
        if (error)
            *error = QStringLiteral("no head scores to export");
        return false;
    }
    try {
        writeTextFile(path.toStdString(), exportHeadKvJson(m_scores));
        ScoreProvenance recorded = *m_source;
        if (recorded.exportedFrom.empty() && recorded.kind == ScoreProvenance::Kind::Session)
            recorded.exportedFrom = m_source->describe();
        writeScoreSidecar(path.toStdString(), recorded);
        Q_EMIT exported(
            QStringLiteral("Wrote %1 head scores to %2 (metric recorded in %3)")
                .arg(metricLabel(m_metric), path,
                     QFileInfo(QString::fromStdString(scoreSidecarPath(path.toStdString()).string())).fileName()));
        return true;
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

} // namespace headscope::views
