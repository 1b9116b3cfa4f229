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
    m_table->verticalHeader()->setDefaultSectionSize(22); // as the Heads table: more rows in view
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
    // One row per subset and gate (long form): six narrow columns fit beside the live heatmap
    // whatever the number of gates, where one column pair per gate needed a scroll bar.
    const QStringList headers{QStringLiteral("Subset"), QStringLiteral("Tests"),  QStringLiteral("Gate"),
                              QStringLiteral("Session"), QStringLiteral("Masked"), QStringLiteral("Δ")};
    m_table->clear();
    m_table->setColumnCount(static_cast<int>(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(static_cast<int>(s.rows.size()) * static_cast<int>(s.gates.size()));
    const auto number = [](double v, const QString& sign = {}) {
        auto* item = new QTableWidgetItem(sign + QString::number(v, 'f', 1));
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        return item;
    };
    int r = 0;
    for (const AblationRow& row : s.rows) {
        for (int g = 0; g < s.gates.size(); ++g, ++r) {
            const double b = row.base[static_cast<std::size_t>(g)], m = row.masked[static_cast<std::size_t>(g)];
            m_table->setItem(r, 0, new QTableWidgetItem(row.label));
            auto* tests = new QTableWidgetItem(QString::number(row.tests));
            tests->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(r, 1, tests);
            m_table->setItem(r, 2, new QTableWidgetItem(s.gates[g]));
            m_table->setItem(r, 3, number(b));
            m_table->setItem(r, 4, number(m));
            m_table->setItem(r, 5, number(m - b, m > b ? QStringLiteral("+") : QString()));
        }
    }
    m_table->setVisible(true);
}

} // namespace headscope::views
