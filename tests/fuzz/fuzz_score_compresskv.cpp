// libFuzzer: CompressKV *_head_idx.json ({"layer": [heads, best first]}) → the registry's
// "compresskv" parser. The first byte picks the import options (fuzz_score_options.h), the rest
// is the file. An accepted ranking gives each layer's first head 1, later ones less, unranked 0.
#include "fuzz_score_options.h"
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_formats.h"

#include <algorithm>
#include <cstdint>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const ScoreFileImportOptions options = fuzz::scoreImportOptions(data[0]);
    ImportedScores s;
    try {
        s = scoreFormatForImport("compresskv").parse(fuzz::asText(data + 1, size - 1), "tiny_head_idx.json", options);
    } catch (const Error&) {
        return 0;
    }
    const auto cells = static_cast<std::size_t>(s.matrix.layers) * static_cast<std::size_t>(s.matrix.heads);
    HEADSCOPE_FUZZ_CHECK(s.format == "compresskv" && s.valuesAreRanks);
    HEADSCOPE_FUZZ_CHECK(s.matrix.layers > 0 && s.matrix.heads > 0);
    HEADSCOPE_FUZZ_CHECK(s.matrix.values.size() == cells && s.lists.size() == cells);
    for (int l = 0; l < s.matrix.layers; ++l) {
        const auto row = s.matrix.values.begin() + static_cast<std::ptrdiff_t>(l) * s.matrix.heads;
        HEADSCOPE_FUZZ_CHECK(*std::max_element(row, row + s.matrix.heads) == 1.0); // every layer ranks a first head
        HEADSCOPE_FUZZ_CHECK(*std::min_element(row, row + s.matrix.heads) >= 0.0);
    }
    return 0;
}
