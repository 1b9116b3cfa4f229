#pragma once
// ParamSlider: a slider and a spin box that edit one numeric parameter together; emits
// valueChanged(double) once per user change. Integer parameters use decimals = 0.
// GUI thread only.
#include <QWidget>

class QSlider;
class QDoubleSpinBox;

namespace headscope::views {

class ParamSlider : public QWidget {
    Q_OBJECT
public:
    ParamSlider(double minimum, double maximum, double step, int decimals, QWidget* parent = nullptr);

    double value() const;
    void setValue(double value);
    QSlider* slider() const { return m_slider; }
    QDoubleSpinBox* spinBox() const { return m_spin; }

Q_SIGNALS:
    void valueChanged(double value);

private:
    QSlider* m_slider = nullptr;
    QDoubleSpinBox* m_spin = nullptr;
    double m_min = 0.0;
    double m_step = 1.0;
};

} // namespace headscope::views
