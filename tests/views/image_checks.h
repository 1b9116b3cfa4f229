#pragma once
// Image checks shared by the GUI tests: a rendered view is "non-blank" when it has more than a
// handful of distinct colors.
#include <QImage>
#include <QSet>

namespace headscope::testing {

// Distinct colors on a 2-pixel grid (every other row and column is enough to tell a drawn
// plot from an empty one, at a quarter of the cost).
inline int distinctColors(const QImage& image)
{
    QSet<QRgb> colors;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2)
            colors.insert(image.pixel(x, y));
    return static_cast<int>(colors.size());
}

} // namespace headscope::testing
