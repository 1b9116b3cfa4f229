#pragma once
// The one registry of head-score file formats HeadScope reads and writes (docs/score_formats.md):
// each format is a row with its name, what it holds, and its parse/write/sniff functions, so
// import-scores, scores --export and the GUI pick formats by name, never by ifs.
//
//   headkv, retrieval_head, sparsemm  one-line {"L-H": [per-test values]}  (import + export)
//   dililazykv                        pretty {"L-H": [..]} or nested sections (import + export)
//   csv                               layer,head,value                      (export)
//   duo                               DuoAttention / RLKV full_attention_heads.tsv + config.json
//   qrhead                            QRHead YAML head set (attn_head_set: "L-H,…")
//   compresskv                        CompressKV *_head_idx.json ({"layer": [heads ranked]})
//   lukv                              kvpress LUKVPress budget curves, .npy [99, layers, KV heads]
#include "headscope/core/budget_plan.h"
#include "headscope/core/score_file.h"

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

// How scores become DuoAttention gate values in [0, 1].
enum class ScoreNormalization {
    Rank,        // average rank / (n − 1): lowest 0, highest 1, ties share their mean rank
    MinMax,      // (v − min) / (max − min); refused when every value is equal
    TopFraction, // the top fraction of heads 1 (full attention), the rest 0 (streaming)
};
struct ScoreNormalizationSpec {
    ScoreNormalization kind = ScoreNormalization::Rank;
    double fraction = 0.0; // TopFraction only, in (0, 1]
};
// "rank" | "minmax" | "top:F" with 0 < F <= 1. Throws UsageError naming the text.
ScoreNormalizationSpec parseScoreNormalization(std::string_view text);
std::string describeScoreNormalization(const ScoreNormalizationSpec& spec);
// Values mapped to [0, 1] as above. TopFraction keeps round(F·n) heads (at least one); ties at the
// boundary go to the lower flat index. Throws UsageError on non-finite values.
std::vector<double> normalizeScores(std::span<const double> values, const ScoreNormalizationSpec& spec);

struct ScoreExportOptions {
    std::vector<std::vector<double>> lists;  // list formats: per-head per-test values (empty: [mean])
    int kvHeads = 0;                         // per-KV-head formats: group query heads into this many
    GroupAggregation groupAggregation = GroupAggregation::Mean;
    ScoreNormalizationSpec normalization;    // duo
    int topK = 16;                           // qrhead
    std::string modelName;                   // qrhead model_name_or_path / model_base_class
    int sinkSize = 128;                      // duo config.json (DuoAttention's training defaults)
    int recentSize = 256;
    double floorAlpha = 0.2;                 // lukv: share of each ratio's keep budget spread evenly
    std::string provenance;                  // where the scores came from, kept where the format has room
};

// One file of an export. `name` is the file name inside the output directory for formats that
// write a directory, empty for single-file formats (written to the output path itself).
struct ScoreFileOutput {
    std::string name;
    std::string bytes;
};

struct ScoreFormat {
    std::string_view name;
    std::string_view summary;     // one line for --help
    std::string_view granularity; // "query heads", "KV heads", "query or KV heads"
    // Parses the file's bytes; shape checked against the options' model dimensions.
    ImportedScores (*parse)(std::string_view bytes, const std::string& source, const ScoreFileImportOptions& options) = nullptr;
    // Writes a [layers, heads] matrix (metric and provenance fields used for comments/config).
    std::vector<ScoreFileOutput> (*write)(const ScoreMatrix& matrix, const ScoreExportOptions& options) = nullptr;
    // True when the bytes (or the file name) are this format; formats are tried in registry order.
    bool (*sniff)(const std::filesystem::path& file, std::string_view bytes) = nullptr;
    bool writesDirectory = false;
};

std::span<const ScoreFormat> scoreFormats();
// Lookup by name; throws UsageError listing the formats that can be imported (or exported).
const ScoreFormat& scoreFormatForImport(std::string_view name);
const ScoreFormat& scoreFormatForExport(std::string_view name);
// The first format whose sniff accepts the file; the JSON "L-H" family is the fallback.
const ScoreFormat& detectScoreFormat(const std::filesystem::path& file, std::string_view bytes);
std::string scoreFormatNames(bool importable); // "a, b, c"

// [layers, query heads] → [layers, kvHeads]: each group of consecutive query heads combined by
// `aggregation` (a group of equal values gives that value exactly). Throws UsageError if the
// matrix is already per KV head with another count, or heads is not a multiple of kvHeads.
ScoreMatrix toKvHeadScores(const ScoreMatrix& matrix, int kvHeads, GroupAggregation aggregation);
// [layers, KV heads] → [layers, queryHeads]: each query head carries its KV head's value.
ScoreMatrix toQueryHeadScores(const ScoreMatrix& matrix, int queryHeads);

// Writes an export: a single file to `out`, or each file into directory `out` (created).
// Each file is written to a temporary name and renamed, so a failure leaves no partial file.
void writeScoreOutputs(const std::filesystem::path& out, const std::vector<ScoreFileOutput>& files, bool directory);

// NumPy .npy version 1.0, little-endian float64, C order (numpy/lib/format.py's layout): magic,
// version, uint16 header length, a Python-literal header dict padded with spaces to a multiple
// of 64 bytes ending in '\n', then the raw values.
std::string writeNpyFloat64(std::span<const double> values, std::span<const std::size_t> shape);
struct NpyArray {
    std::vector<std::size_t> shape;
    std::vector<double> values;
};
// Reads what writeNpyFloat64 writes (version 1.0/2.0, '<f8' or '<f4', C order); FormatError otherwise.
NpyArray readNpyFloat64(std::string_view bytes, const std::string& source);

} // namespace headscope
