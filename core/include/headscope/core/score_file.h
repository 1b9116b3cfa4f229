#pragma once
// Head-score files of HeadKV / Retrieval_Head (one JSON line, "L-H" → [per-test values]) and
// DiliLazyKV (pretty-printed; flat "L-H" → float | [float], or nested one level under
// "average_infscores_weighted", "average_precisions_weighted", …). Values are placed by
// PARSING the keys, never by file order (docs/algorithms.md decision (a)); exports are written in
// canonical layer-major order because HeadKV's and KVCache-Factory's loaders reshape by order.
#include "headscope/core/score_matrix.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

struct ScoreFileImportOptions {
    // Registry name (score_formats.h) of the file's format; empty: detected from name and content.
    std::string format;
    std::optional<int> layers;     // model's num_hidden_layers, when known
    std::optional<int> queryHeads; // num_attention_heads, when known
    std::optional<int> kvHeads;    // num_key_value_heads, when known
    // For nested DiliLazyKV dicts: which section to read. Empty: the first of
    // average_infscores_weighted, average_recalls_weighted, average_precisions_weighted,
    // then any other object-valued section, in that order.
    std::string section;
    // Missing heads: false → FormatError; true → warning and value 0 with an empty list.
    bool allowMissingHeads = false;
};

struct ImportedScores {
    ScoreMatrix matrix;                      // [layers, heads] mean of each head's list
    std::vector<std::vector<double>> lists;  // [layers*heads] per-head per-test values, layer-major
    std::string format;                      // registry name: "headkv" (one line) | "dililazykv" (multi-line) | "duo" | …
    std::string section;                     // nested section used, "" for flat files
    std::vector<std::string> sections;       // all object-valued sections (nested files)
    bool canonicalOrder = true;              // keys appeared in "0-0","0-1",… layer-major order
    bool granularityChecked = false;         // true when model head counts were supplied
    // How the file's head axis was read, e.g. "per KV head: 8 values per layer = num_key_value_heads
    // (the model has 32 query heads)", or why it could not be checked.
    std::string shapeStatement;
    std::string declaredModel;               // model named inside the file (QRHead), if any
    bool valuesAreRanks = false;             // head sets / rankings: values encode rank, not a score
    int minListLength = 0;                   // over present heads
    int maxListLength = 0;
    int missingHeads = 0;
    std::vector<std::string> warnings;       // human-readable, one per issue
    std::vector<std::string> notes;          // what an import did beyond reading (session layout, metric)
    std::string sha256;                      // of the file bytes (empty for parseScoreFile on text)
};

// Parses score-file text. `source` names the file in errors. Layers/heads are taken from the
// options when given (indices out of range → FormatError), else from the largest key indices.
// H must equal queryHeads or kvHeads when both are supplied; the matched granularity is stored
// in matrix.granularity. Duplicate keys, malformed keys, non-numeric values, lists of unequal
// length (warning only) are reported with the key, what was expected and what was found.
ImportedScores parseScoreFile(std::string_view text, const std::string& source,
                              const ScoreFileImportOptions& options = {});
// Reads a file in any importable registry format (options.format, or detected); also fills
// sha256 and matrix.provenance = "scores:<path> sha256:<hex>".
ImportedScores importScoreFile(const std::filesystem::path& file, const ScoreFileImportOptions& options = {});

// HeadKV/Retrieval_Head format: ONE line, no trailing newline, every "layer-head" key in
// layer-major order, each value a list. `lists` may be empty: each head then gets [mean].
std::string exportHeadKvJson(const ScoreMatrix& matrix, const std::vector<std::vector<double>>& lists = {});
// DiliLazyKV-compatible flat dict, indent 4, canonical order, single-element lists [value]
// (as DiliLazyKV's transform_json.py produces) unless `lists` is given.
std::string exportDiliLazyKvJson(const ScoreMatrix& matrix, const std::vector<std::vector<double>>& lists = {});
// "layer,head,value" header then one row per head, layer-major; values with round-trip precision.
std::string exportScoreCsv(const ScoreMatrix& matrix);

// Writes text to a file; throws LoadError naming the file on failure.
void writeTextFile(const std::filesystem::path& file, std::string_view text);

} // namespace headscope
