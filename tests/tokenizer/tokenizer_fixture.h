#pragma once
// Paths of the real tokenizers fetched by the `tokenizers` CTest fixture.
#include <QString>

inline QString fetchedTokenizerDir(const char* family)
{
    return QStringLiteral(HEADSCOPE_TEST_DATA_DIR "/tokenizers/") + QLatin1String(family);
}
