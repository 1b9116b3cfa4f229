#include "h5_diagnose.h"

#include "h5_older_format.h"

#include "headscope/core/errors.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

namespace headscope::h5 {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLockedByWriter =
    "locked by another process (a probe may be running on it; wait for it to finish or stop it)";

constexpr std::array<unsigned char, 8> kSignature = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

struct StackScan {
    std::optional<int> errnoValue;
    std::string innermost;
};

StackScan scanStack()
{
    StackScan scan;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
            auto* s = static_cast<StackScan*>(data);
            const std::string desc = e->desc ? e->desc : "";
            if (s->innermost.empty())
                s->innermost = desc;
            // The POSIX drivers write "…, errno = 28, error message = 'No space left on device', …".
            if (!s->errnoValue) {
                if (const auto at = desc.find("errno = "); at != std::string::npos) {
                    const int value = std::atoi(desc.c_str() + at + 8);
                    if (value > 0)
                        s->errnoValue = value;
                }
            }
            return 0;
        },
        &scan);
    return scan;
}

// The superblock's offset: the signature sits at 0 or at 512 · 2^k.
std::optional<unsigned long long> signatureOffset(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        return std::nullopt;
    for (unsigned long long offset = 0; offset + 8 <= size; offset = offset ? offset * 2 : 512) {
        std::array<unsigned char, 8> head{};
        in.seekg(static_cast<std::streamoff>(offset));
        if (!in.read(reinterpret_cast<char*>(head.data()), 8))
            return std::nullopt;
        if (head == kSignature)
            return offset;
    }
    return std::nullopt;
}

std::string withBytes(unsigned long long n)
{
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

} // namespace

std::string errorDetail()
{
    const StackScan scan = scanStack();
    if (scan.errnoValue)
        return std::strerror(*scan.errnoValue);
    return scan.innermost;
}

std::optional<int> errorNumber()
{
    return scanStack().errnoValue;
}

bool lockedByWriter(const fs::path& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    // HDF5 takes flock(LOCK_EX) for a writer and LOCK_SH for a reader; a shared lock is
    // refused only while a writer holds the file.
    const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd); // releases the lock if it was taken
    return locked;
}

namespace {
// Someone holds a lock that keeps us from taking HDF5's exclusive (writer's) lock: a reader.
bool lockedByReader(const fs::path& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool locked = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
}
} // namespace

bool hasSignature(const fs::path& path)
{
    return signatureOffset(path).has_value();
}

std::optional<int> superblockVersion(const fs::path& path)
{
    const auto base = signatureOffset(path);
    if (!base)
        return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(*base + 8));
    const int version = in.get();
    if (!in)
        return std::nullopt;
    return version;
}

std::optional<unsigned long long> recordedEnd(const fs::path& path)
{
    const auto base = signatureOffset(path);
    if (!base)
        return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 64> sb{};
    in.seekg(static_cast<std::streamoff>(*base));
    in.read(reinterpret_cast<char*>(sb.data()), sb.size());
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got < 16)
        return std::nullopt;
    const unsigned version = sb[8];
    std::size_t offsetSize = 0, eoaAt = 0;
    if (version == 0 || version == 1) {
        // Superblock versions 0 and 1: offset and length sizes at bytes 13 and 14, then the
        // B-tree K values and flags (version 1: 4 more bytes); base, free-space, end-of-file
        // and driver addresses follow. Versions 2 and 3: offset size at byte 9, base address
        // at 12, then the extension and end-of-file addresses.
        offsetSize = sb[13];
        eoaAt = (version == 0 ? 24 : 28) + 2 * offsetSize;
    } else if (version == 2 || version == 3) {
        offsetSize = sb[9];
        eoaAt = 12 + 2 * offsetSize;
    } else {
        return std::nullopt;
    }
    if (offsetSize == 0 || offsetSize > 8 || eoaAt + offsetSize > got)
        return std::nullopt;
    unsigned long long eoa = 0;
    for (std::size_t i = 0; i < offsetSize; ++i)
        eoa |= static_cast<unsigned long long>(sb[eoaAt + i]) << (8 * i);
    return eoa + *base;
}

std::string explainOpenFailure(const fs::path& path, const std::string& what)
{
    // Read the HDF5 stack first: the checks below make HDF5 calls that would clear it.
    const StackScan scan = scanStack();
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (st.type() == fs::file_type::not_found)
        return "no such file";
    if (st.type() == fs::file_type::directory)
        return "is a directory, expected " + what;
    if (st.type() != fs::file_type::regular)
        return "is not a regular file, expected " + what;
    const auto size = fs::file_size(path, ec);
    if (!ec && size == 0)
        return "empty file (0 bytes), expected " + what;
    if (::access(path.c_str(), R_OK) != 0)
        return std::string("cannot read: ") + std::strerror(errno);
    if (!hasSignature(path))
        return "not an HDF5 file (expected " + what + ")";
    if (const auto end = recordedEnd(path); end && !ec && size < *end)
        return "truncated: the file ends at byte " + std::to_string(size) + " of " + std::to_string(*end) + " (" +
               withBytes(*end - size) + " missing; was a copy or download cut short?)";
    if (lockedByWriter(path))
        return kLockedByWriter;
    if (scan.errnoValue == EAGAIN || scan.errnoValue == EWOULDBLOCK)
        return lockedByReader(path)
                   ? "open in another process that is reading it (the GUI, or an inspect); close it there to write to it"
                   : kLockedByWriter;
    if (scan.errnoValue)
        return std::string("cannot open: ") + std::strerror(*scan.errnoValue);
    return "damaged: HDF5 cannot read its superblock or root group" +
           (scan.innermost.empty() ? std::string() : " (" + scan.innermost + ")");
}

Handle openFile(const fs::path& path, unsigned flags, const std::string& what)
{
    silenceLibraryErrors();
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (st.type() == fs::file_type::not_found)
        throw LoadError(path.string() + ": no such file (expected " + what + ")");
    // Older-format files are read through a current-format copy made in a child process
    // (h5_older_format.h); nullopt means libhdf5 could not open one at all, explained below.
    const bool older = isOlderFormat(path);
    if (older) {
        if (flags == H5F_ACC_RDWR && lockedByWriter(path))
            throw LoadError(path.string() + ": " + kLockedByWriter);
        if (std::optional<Handle> copy = openThroughCopy(path, flags, true))
            return std::move(*copy);
    }
    const hid_t id = older ? -1 : H5Fopen(path.c_str(), flags, H5P_DEFAULT);
    if (id < 0) {
        const std::string why = explainOpenFailure(path, what);
        if (why.rfind("locked", 0) == 0 || why.rfind("cannot", 0) == 0 || why.rfind("no such", 0) == 0)
            throw LoadError(path.string() + ": " + why);
        throw FormatError(path.string() + ": " + why);
    }
    return Handle(id, &H5Fclose);
}

uint64_t contentHash(const std::string& key, const void* data, std::size_t bytes)
{
    uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&h](const unsigned char* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            h ^= p[i];
            h *= 0x100000001b3ull;
        }
    };
    mix(reinterpret_cast<const unsigned char*>(key.data()), key.size() + 1); // with its terminator
    mix(static_cast<const unsigned char*>(data), bytes);
    return h;
}

void writeHash(hid_t loc, const std::string& dataset, const std::string& key, const void* data, std::size_t bytes,
               const std::string& file)
{
    const uint64_t h = contentHash(key, data, bytes);
    Handle space(check(H5Screate(H5S_SCALAR), file, "scalar dataspace"), &H5Sclose);
    Handle attr(check(H5Acreate_by_name(loc, dataset.c_str(), "fnv1a64", H5T_NATIVE_UINT64, space.get(), H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                      file, "cannot store the checksum of " + dataset),
                &H5Aclose);
    checkStatus(H5Awrite(attr.get(), H5T_NATIVE_UINT64, &h), file, "cannot store the checksum of " + dataset);
}

void verifyHash(hid_t loc, const std::string& dataset, const void* data, std::size_t bytes, const std::string& file,
                const std::string& where, bool required)
{
    const htri_t has = H5Aexists_by_name(loc, dataset.c_str(), "fnv1a64", H5P_DEFAULT);
    if (has < 0)
        throw FormatError(file + ": damaged: " + where + " cannot be read (" + errorDetail() + ")");
    if (has == 0 && required)
        throw FormatError(file + ": damaged: " + where + " has lost its checksum");
    if (has == 0)
        return;
    uint64_t stored = 0;
    Handle attr(H5Aopen_by_name(loc, dataset.c_str(), "fnv1a64", H5P_DEFAULT, H5P_DEFAULT), &H5Aclose);
    if (!attr.valid() || H5Aread(attr.get(), H5T_NATIVE_UINT64, &stored) < 0)
        throw FormatError(file + ": damaged: the checksum of " + where + " cannot be read");
    if (stored != contentHash(where, data, bytes))
        throw FormatError(file + ": damaged: " + where + " does not match its checksum (the file was overwritten or cut)");
}

FileContent identify(const fs::path& path)
{
    if (!hasSignature(path))
        return FileContent::NotHdf5;
    silenceLibraryErrors();
    Handle file;
    if (isOlderFormat(path)) {
        try {
            if (std::optional<Handle> copy = openThroughCopy(path, H5F_ACC_RDONLY, false))
                file = std::move(*copy);
        } catch (const Error&) {
            return FileContent::Unreadable;
        }
    } else {
        Handle fapl(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
        // Looking must not wait for, or be refused by, a writer's lock.
        H5Pset_file_locking(fapl.get(), false, true);
        file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), &H5Fclose);
    }
    if (!file.valid())
        return FileContent::Unreadable;
    const htri_t hasManifest = H5Lexists(file.get(), "manifest", H5P_DEFAULT);
    if (hasManifest < 0)
        return FileContent::Unreadable;
    if (hasManifest == 0)
        return FileContent::OtherHdf5;
    try {
        // A text search, not a parse: this only looks, and must not trust the file's JSON.
        const std::string manifest = readString(file.get(), "manifest", path.string());
        if (manifest.find("\"format\": \"headscope-sweep\"") != std::string::npos ||
            manifest.find("\"format\":\"headscope-sweep\"") != std::string::npos)
            return FileContent::Sweep;
    } catch (const std::exception&) {
        // An unreadable manifest: judged by the groups beside it.
    }
    return H5Lexists(file.get(), "tests", H5P_DEFAULT) > 0 ? FileContent::Session : FileContent::OtherHdf5;
}

} // namespace headscope::h5
