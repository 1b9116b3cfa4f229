#include "widgets/compare_panel.h"

#include "plots/bar_plot.h"

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
    : QWidget(parent), m_prompt(new QLineEdit(this)), m_run(new QPushButton(QStringLiteral("Compare"), this)),
      m_mask(new QPushButton(QStringLiteral("Mask selected heads and re-run"), this)),
      m_full(new QTextBrowser(this)), m_compressed(new QTextBrowser(this)), m_kl(new BarPlot(this)),
      m_summary(new QLabel(this))
{
    m_prompt->setPlaceholderText(QStringLiteral("Prompt, or leave empty to use the selected probe test"));
    m_mask->setEnabled(false);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_prompt, 1);
    bar->addWidget(m_run);
    bar->addWidget(m_mask);
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
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);
    connect(m_run, &QPushButton::clicked, this, [this] { Q_EMIT runRequested(prompt()); });
    connect(m_mask, &QPushButton::clicked, this, [this] { Q_EMIT maskAndRerunRequested(m_heads); });
}

QString ComparePanel::prompt() const
{
    return m_prompt->text();
}

void ComparePanel::setPrompt(const QString& prompt)
{
    m_prompt->setText(prompt);
}

int ComparePanel::firstDivergence(const QStringList& a, const QStringList& b)
{
    const int n = static_cast<int>(std::min(a.size(), b.size()));
    for (int i = 0; i < n; ++i)
        if (a[i] != b[i])
            return i;
    return a.size() == b.size() ? -1 : n;
}

QString ComparePanel::render(const QStringList& tokens, int divergence, const QString& color)
{
    QString html;
    for (int i = 0; i < tokens.size(); ++i) {
        const QString t = tokens[i].toHtmlEscaped();
        html += divergence >= 0 && i >= divergence
                    ? QStringLiteral("<span style='background:%1'>%2</span>").arg(color, t)
                    : t;
    }
    return QStringLiteral("<div style='white-space:pre-wrap'>%1</div>").arg(html);
}

void ComparePanel::setComparison(const ComparisonData& d)
{
    m_divergence = firstDivergence(d.fullTokens, d.compressedTokens);
    m_variantTitle->setText(QStringLiteral("<b>%1</b>").arg(d.variantTitle.toHtmlEscaped()));
    m_full->setHtml(render(d.fullTokens, m_divergence, QStringLiteral("#d7f0e8")));
    m_compressed->setHtml(render(d.compressedTokens, m_divergence, QStringLiteral("#fbd3c0")));
    m_kl->setSeries({{QStringLiteral("KL"), QColor(70, 50, 127), d.klPerStep}});
    const double kvRatio = d.fullKvBytes > 0 ? 100.0 * static_cast<double>(d.compressedKvBytes) / static_cast<double>(d.fullKvBytes) : 0.0;
    m_summary->setText(
        QStringLiteral("%1 — %2 · prefill %3 → %4 ms · decode %5 → %6 ms/token · KV %7 → %8 KiB (%9%)")
            .arg(d.label,
                 m_divergence < 0 ? QStringLiteral("identical output")
                                  : QStringLiteral("diverges at generated token %1").arg(m_divergence))
            .arg(d.fullPrefillMs, 0, 'f', 1)
            .arg(d.compressedPrefillMs, 0, 'f', 1)
            .arg(d.fullDecodeMsPerToken, 0, 'f', 2)
            .arg(d.compressedDecodeMsPerToken, 0, 'f', 2)
            .arg(static_cast<double>(d.fullKvBytes) / 1024.0, 0, 'f', 1)
            .arg(static_cast<double>(d.compressedKvBytes) / 1024.0, 0, 'f', 1)
            .arg(kvRatio, 0, 'f', 1));
}

void ComparePanel::setSelectedHeads(const QList<QPair<int, int>>& heads)
{
    m_heads = heads;
    m_mask->setEnabled(!heads.isEmpty());
    m_mask->setText(heads.isEmpty() ? QStringLiteral("Mask selected heads and re-run")
                                    : QStringLiteral("Mask %1 selected head(s) and re-run").arg(heads.size()));
}

} // namespace headscope::views
