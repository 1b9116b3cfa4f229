#pragma once
// Touches everything libhdf5 can decode in a file: every group's links (iterated and looked up by
// name), every object header, attribute and datatype, every dataset's layout, chunk index and
// data. Private to core/session/; the older-format screen (h5_screen.h) runs it in a child process.
#include <filesystem>

namespace headscope::h5 {

// Opens `path` read-only without HDF5's file lock and walks it from the root group. HDF5 errors
// (a part that cannot be read) end that part of the walk quietly: the reader reports them later,
// in words. What this exists for is what it cannot catch — a crash or hang inside the library.
// Reads at most `dataBudgetBytes` of dataset and attribute values in all. Changes how this
// process allocates memory (for good): call it only in a child process made for the walk.
void walkWholeFile(const std::filesystem::path& path, std::size_t dataBudgetBytes);

} // namespace headscope::h5
