#pragma once
// Where HeadScope's data files (demo checkpoint, sample sessions) live at run time, found
// relative to the running executable — no build-tree or install paths are baked in.
//   installed:  <prefix>/bin/headscope  →  <prefix>/share/headscope/
//   build tree: <repo>/build/app/...    →  <repo>/ (the nearest ancestor holding sample_sessions/)
// HEADSCOPE_DATA_DIR in the environment overrides both.
#include <filesystem>
#include <optional>

namespace headscope {

std::filesystem::path executablePath();

// The directory that holds sample_sessions/ and the demo model, or nullopt if none is found.
std::optional<std::filesystem::path> dataDirectory();

// dataDirectory()/sample_sessions/<name>, if that file exists.
std::optional<std::filesystem::path> sampleSessionPath(const std::string& fileName = "demo_probe.h5");

// dataDirectory()/resources/demo_model (source tree) or dataDirectory()/demo_model (installed).
std::optional<std::filesystem::path> demoModelDirectory();

} // namespace headscope
