#pragma once
// `eval` records and manifests ↔ JSON text. Private to core/session/.
#include "headscope/core/eval_results.h"

#include <initializer_list>
#include <string>

namespace headscope::eval_json {

std::string recordToJson(const EvalRecord& record);
EvalRecord recordFromJson(const std::string& text, const std::string& where); // FormatError naming where
// The manifest without some top-level keys (compact JSON), for comparing runs.
std::string withoutKeys(const std::string& manifestJson, std::initializer_list<const char*> keys);
// The manifest with top-level keys replaced or added.
std::string withKeys(const std::string& manifestJson, const std::string& updatesJson);

} // namespace headscope::eval_json
