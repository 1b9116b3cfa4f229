#pragma once
// Copies an HDF5 file of the older format, object by object, into a new file of the checksummed
// format. Private to core/session/; h5_older_format.h runs it in a child process, so that the
// older format's unchecksummed metadata is only ever decoded there.
#include <filesystem>

namespace headscope::h5 {

enum class CopyOutcome {
    Complete,      // every group, dataset and attribute copied
    Partial,       // some could not be read (HDF5 reported an error) and were left out
    SourceUnreadable, // H5Fopen refused the source
    TargetFailed,  // the copy could not be written (disk full, no such directory)
};

// Copies every group (hard links, by name), every dataset (its type, shape, chunking and filters,
// and its values unconverted) and every attribute of `source` into `target`, which must not exist
// and is created in the checksummed format (h5::createChecksummedFile). A dataset whose storage
// fails the readers' checks (h5_storage_check.h) or that claims more values than the file could
// hold is left out, as the readers would refuse it. Copies at most `dataBudgetBytes` of values in
// one piece of memory at a time.
//
// Changes how this process allocates memory (for good): call it only in a child process made for
// the copy (see the comment in the .cpp file).
CopyOutcome copyIntoCurrentFormat(const std::filesystem::path& source, const std::filesystem::path& target,
                                  std::size_t dataBudgetBytes);

} // namespace headscope::h5
