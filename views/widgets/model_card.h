#pragma once
// ModelCard: a read-only form with a checkpoint's architecture, shape and size, filled from a
// ModelConfig (plain data; opening the checkpoint happens in app/). GUI thread only.
#include "headscope/core/model_config.h"

#include <QWidget>

class QFormLayout;
class QLabel;

namespace headscope::views {

class ModelCard : public QWidget {
    Q_OBJECT
public:
    explicit ModelCard(QWidget* parent = nullptr);

    // architecture: short family name ("llama"); dtype: the stored weight dtype (e.g. "BF16");
    // parameters: ModelConfig::parameterCount(); weightBytes: bytes of all weight files. The
    // caller computes these so this widget needs no core symbols beyond the plain struct.
    void setModel(const ModelConfig& config, const QString& architecture, const QString& directory,
                  const QString& dtype, qint64 parameters, qint64 weightBytes);
    void clear();
    // The value shown for a field label (tests), e.g. "Layers".
    QString field(const QString& label) const;

private:
    void setField(const QString& label, const QString& value);
    QFormLayout* m_form = nullptr;
    QLabel* m_title = nullptr;
};

} // namespace headscope::views
