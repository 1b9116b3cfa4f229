#include "controllers/app_settings.h"

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

QVariant AppSettings::value(const QString& key, const QVariant& fallback) const
{
    return m_settings.value(key, fallback);
}

void AppSettings::setValue(const QString& key, const QVariant& value)
{
    m_settings.setValue(key, value);
}

} // namespace headscope::app
