#pragma once
// ModelCard: the Model tab. A read-only form with a checkpoint's architecture, shape and size,
// filled from a ModelConfig (plain data; opening the checkpoint happens in app/), whether its
// weights are in memory (and where), and the one place to load and unload a model: a device
// and compute dtype choice (CUDA greyed out, with the reason, when unavailable) and Load/Unload
// buttons that emit intents. GUI thread only.
#include "headscope/core/model_config.h"

#include <QWidget>

class QComboBox;
class QFormLayout;
class QLabel;
class QPushButton;

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
    // "in memory: cpu (2 threads), f32", "loading…" or "not loaded".
    void setWeightsState(const QString& state, bool loaded);
    bool weightsLoaded() const { return m_loaded; }
    // Whether CUDA can be chosen; `reason` says why not (shown on the greyed item).
    void setCudaAvailable(bool available, const QString& reason);
    QString device() const; // "cpu" | "cuda"
    QString dtype() const;  // "f32" | "bf16"
    // The value shown for a field label (tests), e.g. "Layers" or "Weights in memory".
    QString field(const QString& label) const;
    QPushButton* loadButton() const { return m_load; }
    QPushButton* unloadButton() const { return m_unload; }
    QComboBox* deviceBox() const { return m_device; }
    QComboBox* dtypeBox() const { return m_dtype; }

Q_SIGNALS:
    // Load a checkpoint directory (config.json, safetensors, tokenizer) onto `device` in `dtype`.
    void loadRequested(const QString& directory, const QString& device, const QString& dtype);
    void unloadRequested();

private:
    void setField(const QString& label, const QString& value);
    QFormLayout* m_form = nullptr;
    QLabel* m_title = nullptr;
    QComboBox* m_device = nullptr;
    QComboBox* m_dtype = nullptr;
    QPushButton* m_load = nullptr;
    QPushButton* m_unload = nullptr;
    bool m_loaded = false;
};

} // namespace headscope::views
