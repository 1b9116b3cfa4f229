#pragma once
// The functions behind the rows of the score-format registry (score_formats.cpp). One file per
// upstream format; docs/score_formats.md names each upstream loader these follow.
#include "headscope/core/score_formats.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace headscope::detail {

// DuoAttention / RLKV: full_attention_heads.tsv (np.savetxt, tab-separated, layers × KV heads).
ImportedScores parseDuoTsv(std::string_view bytes, const std::string& source, const ScoreFileImportOptions& options);
std::vector<ScoreFileOutput> writeDuo(const ScoreMatrix& matrix, const ScoreExportOptions& options);
bool sniffDuo(const std::filesystem::path& file, std::string_view bytes);

// QRHead: YAML with attn_head_set: "L-H,L-H,…" (query heads, best first).
ImportedScores parseQrHeadYaml(std::string_view bytes, const std::string& source, const ScoreFileImportOptions& options);
std::vector<ScoreFileOutput> writeQrHeadYaml(const ScoreMatrix& matrix, const ScoreExportOptions& options);
bool sniffQrHead(const std::filesystem::path& file, std::string_view bytes);

// CompressKV: {"0": [head, …], "1": […], …}, each layer's heads best first.
ImportedScores parseCompressKv(std::string_view bytes, const std::string& source, const ScoreFileImportOptions& options);
bool sniffCompressKv(const std::filesystem::path& file, std::string_view bytes);

// kvpress LUKVPress: .npy float64 [99, layers, KV heads] of per-head prune fractions.
std::vector<ScoreFileOutput> writeLuKvNpy(const ScoreMatrix& matrix, const ScoreExportOptions& options);

// The matrix at KV-head granularity for a per-KV-head format: as is when already per KV head,
// else query heads grouped into options.kvHeads (UsageError naming `format` when unknown).
ScoreMatrix kvHeadMatrixFor(const ScoreMatrix& matrix, const ScoreExportOptions& options, std::string_view format);

// Fills lists ([value] per head), list lengths and canonical order for a dense matrix import.
void fillSingleValueLists(ImportedScores& imported);

} // namespace headscope::detail
