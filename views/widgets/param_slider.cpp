#include "widgets/param_slider.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QSlider>

#include <cmath>

namespace headscope::views {

ParamSlider::ParamSlider(double minimum, double maximum, double step, int decimals, QWidget* parent)
    : QWidget(parent), m_slider(new QSlider(Qt::Horizontal, this)), m_spin(new QDoubleSpinBox(this)),
      m_min(minimum), m_step(step)
{
    m_slider->setRange(0, static_cast<int>(std::lround((maximum - minimum) / step)));
    m_spin->setRange(minimum, maximum);
    m_spin->setDecimals(decimals);
    m_spin->setSingleStep(step);
    m_spin->setKeyboardTracking(false);
    m_spin->setMinimumWidth(80);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_slider, 1);
    layout->addWidget(m_spin);
    connect(m_slider, &QSlider::valueChanged, this, [this](int pos) {
        const double v = m_min + pos * m_step;
        {
            const QSignalBlocker block(m_spin);
            m_spin->setValue(v);
        }
        Q_EMIT valueChanged(m_spin->value());
    });
    connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        {
            const QSignalBlocker block(m_slider);
            m_slider->setValue(static_cast<int>(std::lround((v - m_min) / m_step)));
        }
        Q_EMIT valueChanged(v);
    });
}

double ParamSlider::value() const
{
    return m_spin->value();
}

void ParamSlider::setValue(double value)
{
    m_spin->setValue(value); // emits valueChanged when it changes
}

} // namespace headscope::views
