// libFuzzer: DuoAttention / RLKV full_attention_heads.tsv → the registry's "duo" parser. The
// first byte picks the import options (fuzz_score_options.h), the rest is the file. An accepted
// pattern is [layers, heads] of values in [0, 1]; written back with writeDuo (np.savetxt's
// "%.18e", exact for doubles) it must read back as the normalized gates writeDuo computed.
#include "fuzz_score_options.h"
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_formats.h"

#include <cstdint>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const ScoreFileImportOptions options = fuzz::scoreImportOptions(data[0]);
    const ScoreFormat& duo = scoreFormatForImport("duo");
    ImportedScores s;
    try {
        s = duo.parse(fuzz::asText(data + 1, size - 1), "full_attention_heads.tsv", options);
    } catch (const Error&) {
        return 0;
    }
    const auto cells = static_cast<std::size_t>(s.matrix.layers) * static_cast<std::size_t>(s.matrix.heads);
    HEADSCOPE_FUZZ_CHECK(s.format == "duo");
    HEADSCOPE_FUZZ_CHECK(s.matrix.layers > 0 && s.matrix.heads > 0);
    HEADSCOPE_FUZZ_CHECK(s.matrix.values.size() == cells && s.lists.size() == cells);
    for (double v : s.matrix.values)
        HEADSCOPE_FUZZ_CHECK(v >= 0.0 && v <= 1.0);
    if (s.matrix.granularity != HeadGranularity::KvHead)
        return 0; // read as query heads (the model's KV heads equal its query heads): nothing to group

    ScoreExportOptions out;
    out.normalization.kind = (data[0] & 16) ? ScoreNormalization::MinMax : ScoreNormalization::Rank;
    std::vector<ScoreFileOutput> files;
    try {
        files = duo.write(s.matrix, out);
    } catch (const UsageError&) {
        return 0; // min-max of equal values is refused by design
    }
    HEADSCOPE_FUZZ_CHECK(files.size() == 2 && files[0].name == "full_attention_heads.tsv");
    const std::vector<double> gates = normalizeScores(s.matrix.values, out.normalization);
    ScoreFileImportOptions same;
    same.layers = s.matrix.layers;
    const ImportedScores back = duo.parse(files[0].bytes, "written.tsv", same);
    HEADSCOPE_FUZZ_CHECK(back.matrix.layers == s.matrix.layers && back.matrix.heads == s.matrix.heads);
    HEADSCOPE_FUZZ_CHECK(back.matrix.values == gates);
    return 0;
}
