#pragma once
// Checks that a dataset's stored blocks hold the bytes its dataspace promises, before H5Dread.
// Private to core/session/.
#include <hdf5.h>

#include <cstddef>
#include <string>

namespace headscope::h5 {

// HDF5 1.10 trusts a file's storage sizes when it reads: a compact dataset whose header block is
// shorter than dataspace × type size, or a deflated chunk that inflates to fewer bytes than a
// chunk holds, makes H5Dread copy past the end of a heap buffer (found by fuzzing sessions,
// docs/fuzzing.md). This walks the dataset's storage first — each chunk read raw and inflated
// with zlib into a buffer of exactly one chunk — and throws FormatError naming `where`, the
// expected and the actual byte counts when a block is short or uses a filter HeadScope does not
// write. Contiguous datasets need no check: a read past the end of the file fails cleanly.
void requireStorageComplete(hid_t set, std::size_t count, const std::string& file, const std::string& where);

} // namespace headscope::h5
