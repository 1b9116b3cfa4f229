#include "controllers/user_prompts.h"

#include <QMessageBox>
#include <QPushButton>

namespace headscope::app {

UserPrompts::UserPrompts(QObject* parent) : QObject(parent) {}

bool UserPrompts::confirm(QWidget* parent, const QString& title, const QString& question, const QString& yes)
{
    Q_EMIT asked(title, question);
    if (qEnvironmentVariableIsSet("HEADSCOPE_NO_DIALOGS"))
        return m_scripted;
    QMessageBox box(QMessageBox::Question, QStringLiteral("HeadScope"), title, QMessageBox::NoButton, parent);
    box.setInformativeText(question);
    QPushButton* accept = box.addButton(yes, QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return box.clickedButton() == accept;
}

} // namespace headscope::app
