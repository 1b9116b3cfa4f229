#pragma once
// Why an HDF5 file cannot be opened or written, in words, and what kind of HeadScope file one
// is. Private to headscope_core (core/session/ and the output rules in core/common/).
#include "h5_util.h"

#include <filesystem>
#include <optional>
#include <string>

namespace headscope::h5 {

// The operating-system error under HDF5's current error stack ("No space left on device",
// "File too large"), else its innermost description; "" when the stack is empty. Call it right
// after the failing HDF5 call, before any other.
std::string errorDetail();
// The errno HDF5 recorded on its current error stack, if any.
std::optional<int> errorNumber();

// Another process holds HDF5's exclusive lock (a probe writing the session).
bool lockedByWriter(const std::filesystem::path& path);
// The HDF5 signature is at one of the places the format allows (0, 512, 1024, …).
bool hasSignature(const std::filesystem::path& path);
// The superblock's version (0–3; 0 and 1 are the older format, without checksums), if readable.
std::optional<int> superblockVersion(const std::filesystem::path& path);
// The end-of-file address the superblock records (bytes the file must have), if readable.
std::optional<unsigned long long> recordedEnd(const std::filesystem::path& path);

// Why H5Fopen failed on `path`, one phrase after "<path>: ": "no such file", "is a directory,
// expected a session file", "truncated: the file ends at byte N of M", "locked by another
// process (a probe may be running)", "not an HDF5 file", "damaged: …".
std::string explainOpenFailure(const std::filesystem::path& path, const std::string& what);

// Opens `path` (H5F_ACC_RDONLY or H5F_ACC_RDWR) or throws LoadError/FormatError with
// explainOpenFailure; `what` names the expected content ("session file").
Handle openFile(const std::filesystem::path& path, unsigned flags, const std::string& what);

// A 64-bit FNV-1a hash of a dataset's bytes, kept as the dataset's attribute "fnv1a64" (in its
// object header, which the file format checksums). The session writer stores it; the reader
// checks it, so a damaged file whose structure still reads — a chunk index pointing nowhere
// reads as zeros — is refused instead of read as other numbers.
// The hash covers the dataset's path in the file (`key`, "/tests/000003/scores") and its bytes,
// so another test's intact dataset reached through a damaged index does not pass either.
uint64_t contentHash(const std::string& key, const void* data, std::size_t bytes);
void writeHash(hid_t loc, const std::string& dataset, const std::string& key, const void* data, std::size_t bytes,
               const std::string& file);
// `where` is the key. Throws FormatError "<file>: damaged: <where> does not match its checksum", and, when
// `required` (the manifest says the session keeps hashes), when the hash is missing.
void verifyHash(hid_t loc, const std::string& dataset, const void* data, std::size_t bytes, const std::string& file,
                const std::string& where, bool required);

enum class FileContent { NotHdf5, Session, Sweep, OtherHdf5, Unreadable };
// Opens read-only without taking HDF5's lock (it only looks) and classifies.
FileContent identify(const std::filesystem::path& path);

} // namespace headscope::h5
