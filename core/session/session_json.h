#pragma once
// Manifest and per-test records ↔ JSON text (stored as byte datasets in the HDF5 file).
#include "headscope/core/session.h"

#include <string>

namespace headscope::session_json {

std::string manifestToJson(const SessionManifest& m);
SessionManifest manifestFromJson(const std::string& text, const std::string& file);
std::string testToJson(const SessionTest& t);
SessionTest testFromJson(const std::string& text, const std::string& file);
std::string nowIso8601();

} // namespace headscope::session_json
