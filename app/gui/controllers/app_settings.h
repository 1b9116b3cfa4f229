#pragma once
// AppSettings: the GUI's persistent state in QSettings (recent files, last directories,
// window geometry/state, panel parameters). GUI thread only; a thin typed wrapper so the
// keys are spelled once.
#include "widgets/budget_panel.h"

#include <QByteArray>
#include <QSettings>
#include <QStringList>

namespace headscope::app {

class AppSettings {
public:
    static constexpr int kMaxRecent = 10;

    QStringList recentFiles() const;
    // Moves `path` to the front of the list, dropping duplicates and the oldest entries.
    void addRecentFile(const QString& path);
    void clearRecentFiles();

    QString lastDirectory(const QString& purpose) const;
    void setLastDirectory(const QString& purpose, const QString& dir);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindow(const QByteArray& geometry, const QByteArray& state);

    int currentTab() const;
    void setCurrentTab(int tab);
    views::BudgetSettings budget() const;
    void setBudget(const views::BudgetSettings& settings);

    QVariant value(const QString& key, const QVariant& fallback = {}) const;
    void setValue(const QString& key, const QVariant& value);

private:
    mutable QSettings m_settings;
};

} // namespace headscope::app
