#include "widgets/compare_panel.h"

#include "plots/bar_plot.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>

namespace headscope::views {

ComparePanel::ComparePanel(QWidget* parent)
    : QWidget(parent), m_prompt(new QLineEdit(this)),
      m_useTest(new QCheckBox(QStringLiteral("&Use selected probe test"), this)),
      m_time(new QCheckBox(QStringLiteral("Time runs (warm-up, then %1 each; medians)").arg(kTimingRepeats), this)),
      m_run(new QPushButton(QStringLiteral("&Compare with the Budget tab's plan"), this)),
      m_mask(new QPushButton(QStringLiteral("&Mask selected heads and re-run"), this)),
      m_full(new QTextBrowser(this)), m_compressed(new QTextBrowser(this)), m_kl(new BarPlot(this)),
      m_summary(new QLabel(this)), m_needle(new QLabel(this))
{
    m_prompt->setPlaceholderText(
        QStringLiteral("Prompt to compare, or click a needle-grid cell and tick \u201cUse selected probe test\u201d"));
    m_useTest->setEnabled(false);
    m_useTest->setToolTip(QStringLiteral("Compare on the probe test opened in the Needle grid tab: the token ids the "
                                         "model was fed in the probe run, and its needle span"));
    m_mask->setEnabled(false);
    // Long summaries (file names, many layers) wrap instead of being clipped at the window edge.
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    m_needle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_needle->setWordWrap(true);
    m_needle->setVisible(false);
    m_time->setToolTip(QStringLiteral("After the comparison, run each side %1 more times (both decoding the full run's "
                                      "tokens) and report median prefill and decode times. Without it no timing is "
                                      "shown: one run of each is dominated by warm-up and by other work on the machine.")
                           .arg(kTimingRepeats));
    auto* bar = new QHBoxLayout;
    auto* promptLabel = new QLabel(QStringLiteral("&Prompt:"), this);
    promptLabel->setBuddy(m_prompt);
    bar->addWidget(promptLabel);
    bar->addWidget(m_prompt, 1);
    bar->addWidget(m_useTest);
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_run);
    actions->addWidget(m_mask);
    actions->addWidget(m_time);
    actions->addStretch(1);
    auto* texts = new QGridLayout;
    texts->addWidget(new QLabel(QStringLiteral("<b>Full cache</b>"), this), 0, 0);
    m_variantTitle = new QLabel(QStringLiteral("<b>Compressed cache</b>"), this);
    texts->addWidget(m_variantTitle, 0, 1);
    texts->addWidget(m_full, 1, 0);
    texts->addWidget(m_compressed, 1, 1);
    auto* top = new QWidget(this);
    top->setLayout(texts);
    m_kl->setAxisTitles(QStringLiteral("Decode step"), QStringLiteral("KL, nats"));
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(m_kl);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    m_kl->setToolTip(QStringLiteral("Per decode step: KL divergence of the compressed run's next-token "
                                    "distribution from the full run's"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addLayout(actions);
    layout->addWidget(m_summary);
    layout->addWidget(m_needle);
    layout->addWidget(split, 1);
    connect(m_useTest, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_typedPrompt = m_prompt->text();
        else
            m_prompt->setText(m_typedPrompt);
        showPromptSource();
    });
    connect(m_run, &QPushButton::clicked, this, [this] { Q_EMIT runRequested(prompt(), probeTest(), timingRepeats()); });
    connect(m_mask, &QPushButton::clicked, this,
            [this] { Q_EMIT maskAndRerunRequested(m_heads, prompt(), probeTest(), timingRepeats()); });
}

QString ComparePanel::prompt() const
{
    return probeTest() >= 0 ? m_typedPrompt : m_prompt->text();
}

void ComparePanel::setPrompt(const QString& prompt)
{
    if (probeTest() >= 0)
        m_typedPrompt = prompt;
    else
        m_prompt->setText(prompt);
}

void ComparePanel::setProbeTest(const TestInfo& test)
{
    m_testId = test.id;
    m_testLabel = probeTestLabel(test);
    m_useTest->setEnabled(true);
    showPromptSource();
}

void ComparePanel::clearProbeTest()
{
    m_useTest->setChecked(false); // gives the typed prompt back
    m_useTest->setEnabled(false);
    m_testId = -1;
    m_testLabel.clear();
}

int ComparePanel::probeTest() const
{
    return m_useTest->isChecked() ? m_testId : -1;
}

void ComparePanel::showPromptSource()
{
    const bool test = probeTest() >= 0;
    m_prompt->setReadOnly(test);
    m_prompt->setToolTip(QString()); // a decoded prompt belongs to the run that produced it
    if (test) {
        m_prompt->setText(m_testLabel);
        m_prompt->setCursorPosition(0);
    }
}

QString ComparePanel::render(const std::vector<std::string>& tokens, int divergence, const QString& color)
{
    QString html;
    for (int i = 0; i < static_cast<int>(tokens.size()); ++i) {
        const QString t = QString::fromStdString(tokens[static_cast<std::size_t>(i)]).toHtmlEscaped();
        html += divergence >= 0 && i >= divergence
                    ? QStringLiteral("<span style='background:%1'>%2</span>").arg(color, t)
                    : t;
    }
    return QStringLiteral("<div style='white-space:pre-wrap'>%1</div>").arg(html);
}

QString ComparePanel::needleReport(const Comparison& d)
{
    if (d.needleLength <= 0 || d.needleKept.empty())
        return {};
    QStringList perLayer;
    qint64 fewest = d.needleLength + 1;
    int fewestLayer = 0, fewestHead = 0;
    for (std::size_t l = 0; l < d.needleKept.size(); ++l) {
        const std::vector<int64_t>& row = d.needleKept[l];
        qint64 sum = 0;
        for (std::size_t h = 0; h < row.size(); ++h) {
            sum += row[h];
            if (row[h] < fewest) {
                fewest = row[h];
                fewestLayer = static_cast<int>(l);
                fewestHead = static_cast<int>(h);
            }
        }
        const double mean = row.empty() ? 0.0 : static_cast<double>(sum) / static_cast<double>(row.size());
        perLayer << QStringLiteral("L%1 %2").arg(l).arg(mean, 0, 'f', 1);
    }
    return QStringLiteral("Needle kept by the compressed cache: %1% of its %2 tokens over all KV heads · fewest "
                          "%3 (L%4 KV head %5) · per layer, mean over KV heads: %6")
        .arg(100.0 * d.needleKeptFraction, 0, 'f', 1)
        .arg(d.needleLength)
        .arg(fewest)
        .arg(fewestLayer)
        .arg(fewestHead)
        .arg(perLayer.join(QStringLiteral(" · ")));
}

QString ComparePanel::summaryLabel(const Comparison& c)
{
    QString label = QStringLiteral("%1 · top-1 agreement %2% (teacher-forced)")
                        .arg(QString::fromStdString(c.variant))
                        .arg(100.0 * c.top1Agreement, 0, 'f', 1);
    if (!c.promptSource.empty())
        label = QStringLiteral("%1, %2 prompt tokens · %3")
                    .arg(QString::fromStdString(c.promptSource))
                    .arg(c.full.promptIds.size())
                    .arg(label);
    return label;
}

void ComparePanel::setComparison(const Comparison& d)
{
    m_divergence = d.firstDivergence ? *d.firstDivergence : -1;
    m_variantTitle->setText(QStringLiteral("<b>%1</b>").arg(QString::fromStdString(d.variant).toHtmlEscaped()));
    m_full->setHtml(render(d.fullTokenTexts, m_divergence, QStringLiteral("#d7f0e8")));
    m_compressed->setHtml(render(d.variantTokenTexts, m_divergence, QStringLiteral("#fbd3c0")));
    std::vector<double> kl;
    for (const StepComparison& s : d.steps)
        kl.push_back(s.kl);
    m_kl->setSeries({{QStringLiteral("KL"), QColor(70, 50, 127), kl}});
    const double fullBytes = static_cast<double>(d.full.kvBytes), variantBytes = static_cast<double>(d.variantRun.kvBytes);
    const double kvRatio = fullBytes > 0 ? 100.0 * variantBytes / fullBytes : 0.0;
    m_summary->setText(QStringLiteral("%1 — %2 · KV %3 → %4 KiB (%5%) · %6")
                           .arg(summaryLabel(d),
                                m_divergence < 0 ? QStringLiteral("identical output")
                                                 : QStringLiteral("diverges at generated token %1").arg(m_divergence))
                           .arg(fullBytes / 1024.0, 0, 'f', 1)
                           .arg(variantBytes / 1024.0, 0, 'f', 1)
                           .arg(kvRatio, 0, 'f', 1)
                           .arg(timingLabel(d)));
    const QString needle = needleReport(d);
    m_needle->setText(needle);
    m_needle->setVisible(!needle.isEmpty());
    // Long probe prompts would make a tooltip taller than the screen: keep both ends.
    constexpr qsizetype kHead = 1200, kTail = 400;
    const QString p = QString::fromStdString(d.promptText);
    const QString shown = p.size() <= kHead + kTail ? p : p.left(kHead) + QStringLiteral(" … ") + p.right(kTail);
    // Escaped rich text: special tokens such as <|begin_of_text|> must show, not parse.
    const QString html = QStringLiteral("<p style='white-space:pre-wrap'>%1</p>").arg(shown.toHtmlEscaped());
    m_prompt->setToolTip(shown.isEmpty() ? QString() : html);
}

QString ComparePanel::timingLabel(const Comparison& d)
{
    if (!d.timing)
        return QStringLiteral("timing not measured (tick “Time runs”: one run of each is no speed comparison)");
    const ComparisonTiming& t = *d.timing;
    return QStringLiteral("prefill %1 → %2 ms, decode %3 → %4 ms/token (median of %5 runs each after a warm-up, %6 "
                          "decode steps)")
        .arg(t.fullPrefillMs, 0, 'f', 1)
        .arg(t.variantPrefillMs, 0, 'f', 1)
        .arg(t.fullDecodeMs, 0, 'f', 2)
        .arg(t.variantDecodeMs, 0, 'f', 2)
        .arg(t.repeats)
        .arg(t.decodeSteps);
}

int ComparePanel::timingRepeats() const
{
    return m_time->isChecked() ? kTimingRepeats : 0;
}

void ComparePanel::clearComparison()
{
    m_divergence = -1;
    m_variantTitle->setText(QStringLiteral("<b>Compressed cache</b>"));
    m_full->clear();
    m_compressed->clear();
    m_kl->setSeries({});
    m_summary->clear();
    m_needle->clear();
    m_needle->setVisible(false);
    m_prompt->setToolTip(QString());
}

void ComparePanel::setSelectedHeads(const QList<QPair<int, int>>& heads)
{
    m_heads = heads;
    m_mask->setEnabled(!heads.isEmpty());
    QStringList names;
    for (const auto& [layer, head] : heads)
        names << QStringLiteral("L%1-H%2").arg(layer).arg(head);
    m_mask->setText(heads.isEmpty() ? QStringLiteral("&Mask selected heads and re-run")
                    : heads.size() == 1 ? QStringLiteral("&Mask 1 head and re-run")
                                        : QStringLiteral("&Mask %1 heads and re-run").arg(heads.size()));
    m_mask->setToolTip(heads.isEmpty() ? QStringLiteral("Select heads on the Heads tab first")
                                       : QStringLiteral("Masks %1").arg(names.join(QStringLiteral(", "))));
}

} // namespace headscope::views
