#include "widgets/ablation_view.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace headscope::views {

AblationView::AblationView(QWidget* parent) : QWidget(parent), m_headline(new QLabel(this)), m_table(new QTableWidget(this))
{
    m_headline->setWordWrap(true);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_headline);
    layout->addWidget(m_table, 1);
    clear();
}

void AblationView::clear()
{
    m_summary = {};
    m_headline->setText(QStringLiteral("<b>Ablation</b>: select heads on the Heads tab and choose “Re-run probe "
                                       "without selected heads…”; accuracy with and without them shows here."));
    m_table->clear();
    m_table->setRowCount(0);
    m_table->setColumnCount(0);
    m_table->setVisible(false);
}

void AblationView::setSummary(const AblationSummary& s)
{
    m_summary = s;
    m_headline->setText(QStringLiteral("<b>Ablation</b> of %1 (masked run %2): %3%4")
                            .arg(QFileInfo(s.basePath).fileName().toHtmlEscaped(),
                                 QFileInfo(s.maskedPath).fileName().toHtmlEscaped(), s.headline().toHtmlEscaped(),
                                 s.unmatched > 0 ? QStringLiteral(" · %1 tests of the run match no session test").arg(s.unmatched)
                                                 : QString()));
    QStringList headers{QStringLiteral("Tests"), QStringLiteral("Subset")};
    for (const QString& gate : s.gates)
        headers << QStringLiteral("%1 session").arg(gate) << QStringLiteral("%1 masked").arg(gate) << QStringLiteral("Δ");
    m_table->clear();
    m_table->setColumnCount(headers.size());
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(static_cast<int>(s.rows.size()));
    for (int r = 0; r < static_cast<int>(s.rows.size()); ++r) {
        const AblationRow& row = s.rows[static_cast<std::size_t>(r)];
        m_table->setItem(r, 0, new QTableWidgetItem(QString::number(row.tests)));
        m_table->setItem(r, 1, new QTableWidgetItem(row.label));
        for (int g = 0; g < s.gates.size(); ++g) {
            const double b = row.base[static_cast<std::size_t>(g)], m = row.masked[static_cast<std::size_t>(g)];
            m_table->setItem(r, 2 + 3 * g, new QTableWidgetItem(QString::number(b, 'f', 1)));
            m_table->setItem(r, 3 + 3 * g, new QTableWidgetItem(QString::number(m, 'f', 1)));
            m_table->setItem(r, 4 + 3 * g, new QTableWidgetItem(QStringLiteral("%1%2").arg(m >= b ? QStringLiteral("+") : QString()).arg(m - b, 0, 'f', 1)));
        }
    }
    m_table->setVisible(true);
}

} // namespace headscope::views
