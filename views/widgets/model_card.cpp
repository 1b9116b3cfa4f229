#include "widgets/model_card.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QStandardItemModel>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace headscope::views {

namespace {
const QStringList& fieldNames()
{
    static const QStringList names = {
        QStringLiteral("Directory"),  QStringLiteral("Architecture"), QStringLiteral("Layers"),
        QStringLiteral("Heads"),      QStringLiteral("KV heads"),     QStringLiteral("Head dim"),
        QStringLiteral("Hidden size"), QStringLiteral("Vocabulary"),  QStringLiteral("Parameters"),
        QStringLiteral("Stored dtype"), QStringLiteral("Weights"),    QStringLiteral("RoPE θ"),
        QStringLiteral("Context"),    QStringLiteral("Sliding window"), QStringLiteral("Layer types"),
        QStringLiteral("Attention"),  QStringLiteral("Parts not loaded"), QStringLiteral("Weights in memory")};
    return names;
}
} // namespace

ModelCard::ModelCard(QWidget* parent)
    : QWidget(parent), m_form(new QFormLayout), m_title(new QLabel(this)), m_device(new QComboBox(this)),
      m_dtype(new QComboBox(this)), m_load(new QPushButton(QStringLiteral("&Load model…"), this)),
      m_unload(new QPushButton(QStringLiteral("&Unload"), this))
{
    m_device->addItem(QStringLiteral("cpu"));
    m_device->addItem(QStringLiteral("cuda"));
    m_dtype->addItem(QStringLiteral("f32"));
    m_dtype->addItem(QStringLiteral("bf16"));
    m_dtype->setToolTip(QStringLiteral("Compute dtype: f32, or bf16 (half the memory; scores differ slightly)"));
    m_load->setToolTip(QStringLiteral("Choose a checkpoint directory (config.json, *.safetensors, tokenizer.json) and "
                                      "load its weights; a dropped directory or config.json does the same"));
    m_unload->setEnabled(false);
    auto* actions = new QHBoxLayout;
    actions->addWidget(new QLabel(QStringLiteral("Device:"), this));
    actions->addWidget(m_device);
    actions->addWidget(new QLabel(QStringLiteral("dtype:"), this));
    actions->addWidget(m_dtype);
    actions->addWidget(m_load);
    actions->addWidget(m_unload);
    actions->addStretch(1);
    setCudaAvailable(false, QStringLiteral("unknown"));
    connect(m_load, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Load model (directory with config.json)"));
        if (!dir.isEmpty())
            Q_EMIT loadRequested(dir, device(), dtype());
    });
    connect(m_unload, &QPushButton::clicked, this, &ModelCard::unloadRequested);
    QFont f = m_title->font();
    f.setPointSizeF(f.pointSizeF() * 1.3);
    f.setBold(true);
    m_title->setFont(f);
    for (const QString& name : fieldNames()) {
        auto* value = new QLabel(this);
        value->setObjectName(name);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_form->addRow(name + QLatin1Char(':'), value);
    }
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(actions);
    layout->addWidget(m_title);
    layout->addLayout(m_form);
    layout->addStretch(1);
    clear();
}

void ModelCard::setField(const QString& label, const QString& value)
{
    if (auto* l = findChild<QLabel*>(label))
        l->setText(value);
}

QString ModelCard::field(const QString& label) const
{
    const auto* l = findChild<QLabel*>(label);
    return l ? l->text() : QString();
}

void ModelCard::clear()
{
    m_title->setText(QStringLiteral("No model loaded (Load model…, File ▸ Load model…, or drop a checkpoint folder)"));
    for (const QString& name : fieldNames())
        setField(name, QStringLiteral("—"));
    setWeightsState(QStringLiteral("not loaded"), false);
}

void ModelCard::setWeightsState(const QString& state, bool loaded)
{
    m_loaded = loaded;
    setField(QStringLiteral("Weights in memory"), state);
    m_unload->setEnabled(loaded);
}

void ModelCard::setCudaAvailable(bool available, const QString& reason)
{
    if (auto* items = qobject_cast<QStandardItemModel*>(m_device->model())) {
        items->item(1)->setEnabled(available);
        items->item(1)->setToolTip(available ? QString() : QStringLiteral("CUDA unavailable: %1").arg(reason));
        // The reason can be a long driver message: it goes in the tooltips, so the combo box
        // stays as narrow as its choices.
        items->item(1)->setText(available ? QStringLiteral("cuda") : QStringLiteral("cuda (unavailable)"));
    }
    m_device->setToolTip(available ? QStringLiteral("Where the model runs")
                                   : QStringLiteral("Where the model runs. CUDA unavailable: %1").arg(reason));
    if (!available)
        m_device->setCurrentIndex(0);
}

QString ModelCard::device() const
{
    return m_device->currentIndex() == 1 ? QStringLiteral("cuda") : QStringLiteral("cpu");
}

QString ModelCard::dtype() const
{
    return m_dtype->currentText();
}

void ModelCard::setModel(const ModelConfig& c, const QString& architecture, const QString& directory,
                         const QString& dtype, qint64 params, qint64 weightBytes)
{
    const QLocale loc(QLocale::English, QLocale::UnitedStates);
    m_title->setText(c.architectureName.empty() ? architecture : QString::fromStdString(c.architectureName));
    setField(QStringLiteral("Directory"), directory);
    setField(QStringLiteral("Architecture"), architecture);
    setField(QStringLiteral("Layers"), QString::number(c.numLayers));
    setField(QStringLiteral("Heads"), QString::number(c.numHeads));
    setField(QStringLiteral("KV heads"), QStringLiteral("%1 (group size %2)").arg(c.numKvHeads).arg(c.groupSize()));
    setField(QStringLiteral("Head dim"), QString::number(c.headDim));
    setField(QStringLiteral("Hidden size"), QString::number(c.hiddenSize));
    setField(QStringLiteral("Vocabulary"), QString::number(c.vocabSize));
    setField(QStringLiteral("Parameters"),
             QStringLiteral("%1 (%2 M)").arg(loc.toString(params)).arg(static_cast<double>(params) / 1e6, 0, 'f', 2));
    setField(QStringLiteral("Stored dtype"), dtype);
    setField(QStringLiteral("Weights"), QStringLiteral("%1 MiB").arg(static_cast<double>(weightBytes) / (1024.0 * 1024.0), 0, 'f', 1));
    setField(QStringLiteral("RoPE θ"), QString::number(c.ropeTheta, 'g', 8));
    setField(QStringLiteral("Context"), QString::number(c.maxPositionEmbeddings));
    setField(QStringLiteral("Sliding window"), c.slidingWindow ? QString::number(*c.slidingWindow) : QStringLiteral("none"));
    const std::string types = describeLayerTypes(c);
    setField(QStringLiteral("Layer types"),
             types.empty() ? QStringLiteral("all global (full attention)") : QString::fromStdString(types));
    QStringList attention;
    attention << QStringLiteral("scale %1").arg(c.attentionScale(), 0, 'g', 4);
    if (c.attnLogitSoftcap)
        attention << QStringLiteral("soft-cap %1").arg(*c.attnLogitSoftcap);
    if (c.finalLogitSoftcap)
        attention << QStringLiteral("final soft-cap %1").arg(*c.finalLogitSoftcap);
    if (c.qkNorm)
        attention << QStringLiteral("q/k norm");
    if (c.rotaryDim() != c.headDim)
        attention << QStringLiteral("RoPE on %1 of %2 dims").arg(c.rotaryDim()).arg(c.headDim);
    setField(QStringLiteral("Attention"), attention.join(QStringLiteral(", ")));
    QStringList skipped;
    for (const ModelConfig::SkippedComponent& part : c.skippedComponents)
        if (!skipped.contains(QString::fromStdString(part.description)))
            skipped << QString::fromStdString(part.description);
    setField(QStringLiteral("Parts not loaded"), skipped.isEmpty() ? QStringLiteral("none") : skipped.join(QStringLiteral(", ")));
}

} // namespace headscope::views
