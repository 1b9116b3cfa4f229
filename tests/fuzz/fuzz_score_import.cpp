// libFuzzer: the score-format registry as import-scores uses it. Byte 0 picks the import
// options (fuzz_score_options.h), byte 1 the file name the format is detected from (or a
// format forced by name), the rest is the file. An accepted matrix is consistent; with finite
// values it is exported through every format that can write it, and the one-line JSON family
// (headkv, retrieval_head, sparsemm) must import its own export back to the same values.
#include "fuzz_score_options.h"
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_formats.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

using namespace headscope;

namespace {
constexpr std::array<std::string_view, 5> kNames = {"scores.json", "full_attention_heads.tsv", "head_set.yaml",
                                                    "model_head_idx.json", "scores"};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    ScoreFileImportOptions options = fuzz::scoreImportOptions(data[0]);
    const std::string_view bytes = fuzz::asText(data + 2, size - 2);
    const std::filesystem::path name(kNames[data[1] % kNames.size()]);
    const std::span<const ScoreFormat> formats = scoreFormats();
    ImportedScores s;
    try {
        const std::size_t forced = data[1] / kNames.size();
        const ScoreFormat& format = forced > 0 && forced <= formats.size() && formats[forced - 1].parse
                                        ? formats[forced - 1]
                                        : detectScoreFormat(name, bytes);
        s = format.parse(bytes, name.string(), options);
    } catch (const Error&) {
        return 0;
    }
    const auto cells = static_cast<std::size_t>(s.matrix.layers) * static_cast<std::size_t>(s.matrix.heads);
    HEADSCOPE_FUZZ_CHECK(s.matrix.layers > 0 && s.matrix.heads > 0);
    HEADSCOPE_FUZZ_CHECK(s.matrix.values.size() == cells && s.lists.size() == cells);
    for (double v : s.matrix.values)
        if (!std::isfinite(v))
            return 0; // exporters refuse non-finite scores (UsageError); nothing more to check
    if (cells > 4096)
        return 0; // exporting a large matrix nine ways costs milliseconds per input and tests nothing new

    for (const ScoreFormat& f : formats) {
        if (!f.write)
            continue;
        ScoreExportOptions out;
        out.kvHeads = s.matrix.granularity == HeadGranularity::KvHead ? s.matrix.heads : 1;
        out.topK = 1;
        std::vector<ScoreFileOutput> files;
        try {
            files = f.write(s.matrix, out);
        } catch (const UsageError&) {
            continue; // e.g. a per-KV-head matrix offered to a per-query-head format
        }
        HEADSCOPE_FUZZ_CHECK(!files.empty());
        const std::string_view n = f.name;
        if (n != "headkv" && n != "retrieval_head" && n != "sparsemm")
            continue;
        ScoreFileImportOptions same;
        same.layers = s.matrix.layers;
        same.allowMissingHeads = true;
        const ImportedScores back = f.parse(files[0].bytes, "export", same);
        HEADSCOPE_FUZZ_CHECK(back.matrix.layers == s.matrix.layers && back.matrix.heads == s.matrix.heads);
        for (std::size_t i = 0; i < cells; ++i)
            HEADSCOPE_FUZZ_CHECK(back.matrix.values[i] == s.matrix.values[i] ||
                                 std::abs(back.matrix.values[i] - s.matrix.values[i]) <= 1e-12 * std::abs(s.matrix.values[i]));
    }
    return 0;
}
