#include "controllers/status_info.h"

#include "controllers/engine_controller.h"

#include <QFile>
#include <QList>

namespace headscope::app {

double residentMiB()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return -1.0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    if (parts.size() < 2)
        return -1.0;
    return parts[1].toDouble() * 4096.0 / (1024.0 * 1024.0);
}

QString deviceStatus(const CheckpointInfo* checkpoint)
{
    if (!checkpoint)
        return QStringLiteral("device: cpu · no model");
    if (checkpoint->engineLoaded)
        return QStringLiteral("device: %1").arg(checkpoint->device);
    return QStringLiteral("device: cpu · dtype: %1 (card only)").arg(checkpoint->storedDtype.toLower());
}

} // namespace headscope::app
