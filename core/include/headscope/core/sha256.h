#pragma once
// SHA-256 (FIPS 180-4) for provenance: score-file and budget-file hashes.
#include <filesystem>
#include <string>
#include <string_view>

namespace headscope {

// Lowercase hex digest of `data`.
std::string sha256Hex(std::string_view data);
// Lowercase hex digest of a file's bytes. Throws LoadError if it cannot be read.
std::string sha256FileHex(const std::filesystem::path& file);

} // namespace headscope
