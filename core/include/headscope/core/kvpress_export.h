#pragma once
// `eval --export-kvpress DIR`: the results as NVIDIA kvpress's evaluation writes its own, one
// folder per benchmark dataset × configuration named as kvpress names them, each holding
// predictions.csv, metrics.json and config.yaml, so HeadScope's runs sit beside kvpress's and its
// plotting and averaging scripts read both (docs/eval_format.md, "kvpress export").
#include "headscope/core/eval_results.h"

#include <filesystem>
#include <string>
#include <vector>

namespace headscope {

// "<model>": a Hugging Face id with '/' written as "--" (kvpress's rule), or for a checkpoint
// directory its last path component.
std::string kvpressModelName(const std::string& modelPathOrId);

// kvpress's press name for a configuration: "no_press" for the full cache, else
// "headscope_<method>" (HeadScope's allocations are not kvpress's presses of similar names).
std::string kvpressPressName(const EvalConfigKey& config);

// Writes one folder per group × configuration under `dir` and returns them. Groups: LongBench
// records by dataset ("longbench__<dataset>__…"), RULER records by requested length
// ("ruler__<max_length>__…", tasks inside). Throws UsageError when a folder already holds results.
std::vector<std::filesystem::path> exportKvpress(const std::vector<EvalRecord>& records,
                                                 const std::vector<EvalConfigKey>& configs,
                                                 const std::filesystem::path& dir, const std::string& modelName);

// RFC 4180 field quoting as pandas' to_csv writes it: quoted when it holds a comma, a quote or a
// line break, quotes doubled.
std::string csvField(const std::string& value);

} // namespace headscope
