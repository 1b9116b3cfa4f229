#pragma once
// Manifest and per-test records ↔ JSON text (stored as byte datasets in the HDF5 file).
#include "headscope/core/session.h"

#include <string>

namespace headscope::session_json {

std::string manifestToJson(const SessionManifest& m);
SessionManifest manifestFromJson(const std::string& text, const std::string& file);
// `datasets`: the test group's datasets besides record and complete ("scores",
// "stats/topk_idx", …), listed in the record so a reader can tell one lost to damage from one
// never written.
std::string testToJson(const SessionTest& t, const std::vector<std::string>& datasets = {});
SessionTest testFromJson(const std::string& text, const std::string& file, std::vector<std::string>* datasets = nullptr);
std::string nowIso8601();

} // namespace headscope::session_json
