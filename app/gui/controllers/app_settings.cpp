#include "controllers/app_settings.h"

#include "headscope/core/errors.h"

#include <QDir>

namespace headscope::app {

QStringList AppSettings::recentFiles() const
{
    return m_settings.value(QStringLiteral("recentFiles")).toStringList();
}

void AppSettings::addRecentFile(const QString& path)
{
    const QString clean = QDir::cleanPath(path);
    QStringList files = recentFiles();
    files.removeAll(clean);
    files.prepend(clean);
    while (files.size() > kMaxRecent)
        files.removeLast();
    m_settings.setValue(QStringLiteral("recentFiles"), files);
}

void AppSettings::clearRecentFiles()
{
    m_settings.remove(QStringLiteral("recentFiles"));
}

QString AppSettings::lastDirectory(const QString& purpose) const
{
    return m_settings.value(QStringLiteral("lastDir/") + purpose, QDir::homePath()).toString();
}

void AppSettings::setLastDirectory(const QString& purpose, const QString& dir)
{
    m_settings.setValue(QStringLiteral("lastDir/") + purpose, dir);
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings.value(QStringLiteral("window/geometry")).toByteArray();
}

QByteArray AppSettings::windowState() const
{
    return m_settings.value(QStringLiteral("window/state")).toByteArray();
}

void AppSettings::setWindow(const QByteArray& geometry, const QByteArray& state)
{
    m_settings.setValue(QStringLiteral("window/geometry"), geometry);
    m_settings.setValue(QStringLiteral("window/state"), state);
}

int AppSettings::currentTab() const
{
    return m_settings.value(QStringLiteral("window/tab"), 0).toInt();
}

void AppSettings::setCurrentTab(int tab)
{
    m_settings.setValue(QStringLiteral("window/tab"), tab);
}

views::BudgetSettings AppSettings::budget() const
{
    views::BudgetSettings s;
    try {
        s.method = parseAllocationMethod(m_settings.value(QStringLiteral("budget/method"), QStringLiteral("uniform"))
                                             .toString()
                                             .toStdString());
    } catch (const UsageError&) {
        // A name from another version: keep the default method, not the whole panel.
    }
    s.capacity = m_settings.value(QStringLiteral("budget/capacity"), s.capacity).toDouble();
    s.window = m_settings.value(QStringLiteral("budget/window"), s.window).toDouble();
    s.beta = m_settings.value(QStringLiteral("budget/beta"), s.beta).toDouble();
    s.temp = m_settings.value(QStringLiteral("budget/temp"), s.temp).toDouble();
    return s;
}

void AppSettings::setBudget(const views::BudgetSettings& s)
{
    const std::string_view method = allocationMethodName(s.method);
    m_settings.setValue(QStringLiteral("budget/method"), QString::fromUtf8(method.data(), static_cast<qsizetype>(method.size())));
    m_settings.setValue(QStringLiteral("budget/capacity"), s.capacity);
    m_settings.setValue(QStringLiteral("budget/window"), s.window);
    m_settings.setValue(QStringLiteral("budget/beta"), s.beta);
    m_settings.setValue(QStringLiteral("budget/temp"), s.temp);
}

QVariant AppSettings::value(const QString& key, const QVariant& fallback) const
{
    return m_settings.value(key, fallback);
}

void AppSettings::setValue(const QString& key, const QVariant& value)
{
    m_settings.setValue(key, value);
}

} // namespace headscope::app
