#pragma once
// UserPrompts: the questions the GUI asks before doing something the user may not want (quit
// while a probe runs, re-run a probe grid). One place, so tests and screenshot runs can answer:
// with HEADSCOPE_NO_DIALOGS set nothing blocks, the answer is the scripted one (default: no)
// and every question is still reported through asked(). GUI thread only.
#include <QObject>
#include <QString>

class QWidget;

namespace headscope::app {

class UserPrompts : public QObject {
    Q_OBJECT
public:
    explicit UserPrompts(QObject* parent = nullptr);

    // Yes/no; `yes` names the affirmative button ("Quit", "Start").
    bool confirm(QWidget* parent, const QString& title, const QString& question, const QString& yes);
    // The answer given without a dialog (HEADSCOPE_NO_DIALOGS).
    void setScriptedAnswer(bool yes) { m_scripted = yes; }

Q_SIGNALS:
    void asked(const QString& title, const QString& question);

private:
    bool m_scripted = false;
};

} // namespace headscope::app
