// libFuzzer: head-score files in every format the importer reads (HeadKV one-line, DiliLazyKV
// flat and nested sections) → parseScoreFile. The first byte picks the import options (model
// shape known or not, missing heads allowed, a named section), the rest is the file. An
// imported matrix must be consistent, and its HeadKV and DiliLazyKV exports must import back
// to the same values.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"

#include <cmath>
#include <cstdint>

using namespace headscope;

namespace {
void checkRoundTrip(const ImportedScores& s, const std::string& text, const char* format)
{
    ScoreFileImportOptions same;
    same.layers = s.matrix.layers;
    same.allowMissingHeads = s.missingHeads > 0;
    const ImportedScores back = parseScoreFile(text, format, same);
    HEADSCOPE_FUZZ_CHECK(back.matrix.layers == s.matrix.layers);
    HEADSCOPE_FUZZ_CHECK(back.matrix.values.size() == s.matrix.values.size());
    for (std::size_t i = 0; i < s.matrix.values.size(); ++i)
        HEADSCOPE_FUZZ_CHECK(back.matrix.values[i] == s.matrix.values[i] ||
                             std::abs(back.matrix.values[i] - s.matrix.values[i]) <= 1e-12 * std::abs(s.matrix.values[i]));
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t mode = data[0];
    ScoreFileImportOptions options;
    if (mode & 1)
        options.layers = 1 + (mode >> 5);     // 1..8
    if (mode & 2)
        options.queryHeads = 1 + ((mode >> 4) & 7);
    if (mode & 4)
        options.kvHeads = 1 + ((mode >> 4) & 3);
    options.allowMissingHeads = (mode & 8) != 0;
    if ((mode & 0xF0) == 0xF0)
        options.section = "average_recalls_weighted";
    const std::string text(fuzz::asText(data + 1, size - 1));
    ImportedScores s;
    try {
        s = parseScoreFile(text, "scores.json", options);
    } catch (const Error&) {
        return 0;
    }
    const auto cells = static_cast<std::size_t>(s.matrix.layers) * static_cast<std::size_t>(s.matrix.heads);
    HEADSCOPE_FUZZ_CHECK(s.matrix.layers > 0 && s.matrix.heads > 0);
    HEADSCOPE_FUZZ_CHECK(s.matrix.values.size() == cells && s.lists.size() == cells);
    HEADSCOPE_FUZZ_CHECK(s.format == "headkv" || s.format == "dililazykv");
    bool finite = true;
    for (double v : s.matrix.values)
        finite = finite && std::isfinite(v);
    if (!finite)
        return 0; // exporters write only finite numbers; a non-finite mean has no JSON spelling
    if (cells > 4096)
        return 0; // a few keys with missing heads allowed make a large matrix; the round trip of
                  // a million cells costs seconds per input and tests nothing new
    checkRoundTrip(s, exportHeadKvJson(s.matrix, s.lists), "headkv export");
    checkRoundTrip(s, exportDiliLazyKvJson(s.matrix), "dililazykv export");
    (void)exportScoreCsv(s.matrix);
    return 0;
}
