#include "widgets/model_card.h"

#include <QFormLayout>
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
        QStringLiteral("Attention"),  QStringLiteral("Not loaded")};
    return names;
}
} // namespace

ModelCard::ModelCard(QWidget* parent) : QWidget(parent), m_form(new QFormLayout), m_title(new QLabel(this))
{
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
    m_title->setText(QStringLiteral("No model loaded (File ▸ Load model checkpoint…)"));
    for (const QString& name : fieldNames())
        setField(name, QStringLiteral("—"));
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
    setField(QStringLiteral("Not loaded"), skipped.isEmpty() ? QStringLiteral("—") : skipped.join(QStringLiteral(", ")));
}

} // namespace headscope::views
