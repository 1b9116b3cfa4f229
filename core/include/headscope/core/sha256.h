#pragma once
// SHA-256 (FIPS 180-4, computed by OpenSSL) for provenance: score-file, budget-file and
// checkpoint weight-file hashes.
#include <filesystem>
#include <string>
#include <string_view>

namespace headscope {

// Lowercase hex digest of `data`.
std::string sha256Hex(std::string_view data);
// Lowercase hex digest of a file's bytes, streamed. Throws LoadError if it cannot be read.
std::string sha256FileHex(const std::filesystem::path& file);

// $XDG_CACHE_HOME/headscope/sha256-digests.tsv, or ~/.cache/headscope/… when XDG_CACHE_HOME
// is unset; empty (no caching) when neither variable is set.
std::filesystem::path defaultDigestCachePath();

// sha256FileHex through a digest cache keyed by the file's absolute path, size and
// modification time (nanoseconds), so an unchanged multi-gigabyte weight file is read once,
// not on every probe. The cache is a small text file; one that cannot be read or written
// only costs the hashing. Safe against concurrent processes (written to a temporary file
// and renamed).
std::string sha256FileHexCached(const std::filesystem::path& file,
                                const std::filesystem::path& cacheFile = defaultDigestCachePath());

} // namespace headscope
