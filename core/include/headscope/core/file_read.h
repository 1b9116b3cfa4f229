#pragma once
// The one way core and CLI read a whole input file (JSON, text, prompts). Whatever stops the
// read is reported as a LoadError naming the path and the cause in words — missing, a
// directory where a file is expected, not a regular file, permission denied, read error —
// instead of a stream exception such as "basic_filebuf::underflow".
#include <filesystem>
#include <string>
#include <string_view>

namespace headscope {

// Reads the file's bytes. `what`, when given, names the input before the path in the
// message ("--prompt-file /x: is a directory, expected a file").
std::string readFileBytes(const std::filesystem::path& path, std::string_view what = {});

// Throws the same LoadError readFileBytes would if `path` is not a readable regular file.
void requireReadableFile(const std::filesystem::path& path, std::string_view what = {});

} // namespace headscope
