#include "widgets/session_filter_panel.h"

#include "widgets/param_slider.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace headscope::views {

SessionFilterPanel::SessionFilterPanel(QWidget* parent)
    : QWidget(parent), m_gate(new QComboBox(this)), m_threshold(new ParamSlider(0, 100, 1, 0, this)),
      m_lengths(new QListWidget(this)), m_depths(new QListWidget(this)), m_summary(new QLabel(this))
{
    m_threshold->setValue(50);
    m_threshold->setToolTip(QStringLiteral("Tests whose gate value (×100) is above this count"));
    m_summary->setWordWrap(true);
    auto* form = new QFormLayout;
    form->addRow(QStringLiteral("Gate"), m_gate);
    form->addRow(QStringLiteral("Threshold"), m_threshold);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(QStringLiteral("Context lengths"), this));
    layout->addWidget(m_lengths, 1);
    layout->addWidget(new QLabel(QStringLiteral("Needle depths (%)"), this));
    layout->addWidget(m_depths, 1);
    layout->addWidget(m_summary);
    connect(m_gate, &QComboBox::currentIndexChanged, this, [this] {
        Q_EMIT gateChanged(gate());
        reaggregate();
    });
    connect(m_threshold, &ParamSlider::valueChanged, this, &SessionFilterPanel::reaggregate);
    connect(m_lengths, &QListWidget::itemChanged, this, &SessionFilterPanel::reaggregate);
    connect(m_depths, &QListWidget::itemChanged, this, &SessionFilterPanel::reaggregate);
}

void SessionFilterPanel::setSource(std::shared_ptr<const SessionSource> source)
{
    m_loading = true;
    m_source = std::move(source);
    m_gate->clear();
    m_lengths->clear();
    m_depths->clear();
    if (m_source) {
        m_gate->addItem(QStringLiteral("none (all tests)"), -1);
        const QStringList gates = m_source->gates();
        for (int i = 0; i < gates.size(); ++i)
            m_gate->addItem(gates[i], i);
        if (!gates.isEmpty())
            m_gate->setCurrentIndex(1);
        for (int len : m_source->distinctLengths()) {
            auto* item = new QListWidgetItem(QString::number(len), m_lengths);
            item->setData(Qt::UserRole, len);
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(Qt::Checked);
        }
        for (double depth : m_source->distinctDepths()) {
            auto* item = new QListWidgetItem(QString::number(depth), m_depths);
            item->setData(Qt::UserRole, depth);
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(Qt::Checked);
        }
    }
    m_loading = false;
    reaggregate();
    // A gate that accepts nothing would open the session on an all-zero map: fall back to all
    // tests and say why (e.g. a random-weight demo model never retrieves the needle).
    if (m_source && m_accepted == 0 && m_gate->currentIndex() > 0 && !m_source->tests().empty()) {
        const QString gate = m_gate->currentText();
        m_gate->setCurrentIndex(0);
        m_summary->setText(m_summary->text() +
                           QStringLiteral("\n(no test has %1 > %2: showing all tests)").arg(gate).arg(m_threshold->value()));
    }
}

int SessionFilterPanel::gate() const
{
    return m_gate->currentData().isValid() ? m_gate->currentData().toInt() : -1;
}

AggregateQuery SessionFilterPanel::query(HeadMetric metric) const
{
    AggregateQuery q;
    q.metric = metric;
    q.gate = gate();
    q.threshold = m_threshold->value();
    // An explicit list only when something is unchecked; with nothing checked, accept nothing.
    bool allLengths = true;
    for (int i = 0; i < m_lengths->count(); ++i) {
        if (m_lengths->item(i)->checkState() == Qt::Checked)
            q.lengths.push_back(m_lengths->item(i)->data(Qt::UserRole).toInt());
        else
            allLengths = false;
    }
    if (allLengths)
        q.lengths.clear();
    else if (q.lengths.empty())
        q.lengths.push_back(-1);
    bool allDepths = true;
    for (int i = 0; i < m_depths->count(); ++i) {
        if (m_depths->item(i)->checkState() == Qt::Checked)
            q.depths.push_back(m_depths->item(i)->data(Qt::UserRole).toDouble());
        else
            allDepths = false;
    }
    if (allDepths)
        q.depths.clear();
    else if (q.depths.empty())
        q.depths.push_back(-1.0);
    return q;
}

void SessionFilterPanel::reaggregate()
{
    if (m_loading)
        return;
    m_set = {};
    m_accepted = 0;
    if (m_source) {
        m_set.source = m_source->path();
        for (HeadMetric metric : m_source->metrics())
            m_set.metrics.push_back(m_source->aggregate(query(metric)));
        const AggregateQuery q = query();
        for (const TestInfo& t : m_source->tests())
            m_accepted += m_source->accepts(t, q) ? 1 : 0;
        m_summary->setText(QStringLiteral("%1 of %2 tests accepted").arg(m_accepted).arg(m_source->tests().size()));
    } else {
        m_summary->setText(QStringLiteral("No session open"));
    }
    Q_EMIT scoreSetChanged(m_set);
}

} // namespace headscope::views
