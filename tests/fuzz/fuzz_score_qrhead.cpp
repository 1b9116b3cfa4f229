// libFuzzer: QRHead head-set YAML (attn_head_set: "L-H,…") → the registry's "qrhead" parser.
// The first byte picks the import options (fuzz_score_options.h), the rest is the file. An
// accepted set gives ranks in [0, 1] (the first head 1, heads outside the set 0); exported again
// as the top-k of those ranks it must import back to the same values.
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
    const ScoreFormat& qrhead = scoreFormatForImport("qrhead");
    ImportedScores s;
    try {
        s = qrhead.parse(fuzz::asText(data + 1, size - 1), "head_set.yaml", options);
    } catch (const Error&) {
        return 0;
    }
    const auto cells = static_cast<std::size_t>(s.matrix.layers) * static_cast<std::size_t>(s.matrix.heads);
    HEADSCOPE_FUZZ_CHECK(s.format == "qrhead" && s.valuesAreRanks);
    HEADSCOPE_FUZZ_CHECK(s.matrix.layers > 0 && s.matrix.heads > 0);
    HEADSCOPE_FUZZ_CHECK(s.matrix.values.size() == cells && s.lists.size() == cells);
    for (double v : s.matrix.values)
        HEADSCOPE_FUZZ_CHECK(v >= 0.0 && v <= 1.0);
    const auto inSet = static_cast<int>(std::count_if(s.matrix.values.begin(), s.matrix.values.end(), [](double v) { return v > 0.0; }));
    HEADSCOPE_FUZZ_CHECK(inSet >= 1 && std::find(s.matrix.values.begin(), s.matrix.values.end(), 1.0) != s.matrix.values.end());
    if (s.matrix.granularity == HeadGranularity::KvHead)
        return 0; // a set read against a model whose KV heads equal its query heads is exported by no one

    ScoreExportOptions out;
    out.topK = inSet;
    if (s.declaredModel.find_first_of("\"\\\n") == std::string::npos)
        out.modelName = s.declaredModel;
    const std::vector<ScoreFileOutput> files = qrhead.write(s.matrix, out);
    HEADSCOPE_FUZZ_CHECK(files.size() == 1);
    ScoreFileImportOptions same;
    same.layers = s.matrix.layers;
    const ImportedScores back = qrhead.parse(files[0].bytes, "written.yaml", same);
    HEADSCOPE_FUZZ_CHECK(back.matrix.layers == s.matrix.layers);
    // The largest written index may be below the matrix's head count (trailing heads outside the set).
    HEADSCOPE_FUZZ_CHECK(back.matrix.heads <= s.matrix.heads);
    for (int l = 0; l < s.matrix.layers; ++l)
        for (int h = 0; h < s.matrix.heads; ++h)
            HEADSCOPE_FUZZ_CHECK((h < back.matrix.heads ? back.matrix.at(l, h) : 0.0) == s.matrix.at(l, h));
    return 0;
}
