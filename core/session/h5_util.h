#pragma once
// Thin RAII and I/O helpers over the HDF5 C API for sessions. Private to core/session/.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace headscope::h5 {

// Owns an hid_t and closes it with the right H5*close.
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer) : m_id(id), m_close(closer) {}
    Handle(Handle&& o) noexcept : m_id(o.m_id), m_close(o.m_close) { o.m_id = -1; }
    Handle& operator=(Handle&& o) noexcept
    {
        std::swap(m_id, o.m_id);
        std::swap(m_close, o.m_close);
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle()
    {
        if (m_id >= 0 && m_close)
            m_close(m_id);
    }
    hid_t get() const { return m_id; }
    bool valid() const { return m_id >= 0; }
    // Closes now and returns the close's status: closing a dataset writes its cached chunks,
    // so a writer must see that result, which the destructor cannot report.
    herr_t close()
    {
        const herr_t status = m_id >= 0 && m_close ? m_close(m_id) : 0;
        m_id = -1;
        return status;
    }

private:
    hid_t m_id = -1;
    Closer m_close = nullptr;
};

// Turns off HDF5's automatic error printing (once per process).
void silenceLibraryErrors();

// Throws FormatError naming `file` and `what` if id < 0, with the cause HDF5 recorded (the
// operating system's error when there is one: "No space left on device").
hid_t check(hid_t id, const std::string& file, const std::string& what);
void checkStatus(herr_t status, const std::string& file, const std::string& what);

// H5Fcreate(path, H5F_ACC_EXCL) in the file format of HDF5 1.8 and later (superblock 2, version-2
// object headers), in which the superblock and every object header carry a checksum that HDF5
// verifies when it reads them: a damaged byte of metadata is refused as damaged instead of
// being decoded (libhdf5 crashes on some damaged headers of the older format, docs/fuzzing.md).
// Not the 1.10 format: its superblock records "open for writing" and a killed run would leave
// a file HDF5 refuses to open again. Returns the id, negative on failure (HDF5's error stack set).
hid_t createChecksummedFile(const std::string& path);

// Whether `name` is a member of `loc`; FormatError when the group itself cannot be read.
bool exists(hid_t loc, const std::string& name);
Handle createGroup(hid_t loc, const std::string& name, const std::string& file);
Handle openGroup(hid_t loc, const std::string& name, const std::string& file);

void writeString(hid_t loc, const std::string& name, const std::string& value, const std::string& file);
std::string readString(hid_t loc, const std::string& name, const std::string& file);

// N-d datasets of a native type; chunked + deflate when `compress`.
void writeArray(hid_t loc, const std::string& name, hid_t memType, const std::vector<hsize_t>& dims, const void* data,
                const std::string& file, bool compress = false);
// IEEE float16 bit patterns stored as an HDF5 16-bit float dataset (h5py reads it as float16),
// chunked one row at a time along the last dimension and deflated.
void writeHalfArray(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, const uint16_t* bits,
                    const std::string& file);
// A dataset that could not be copied out of an older-format file (h5_format_copy.h) is an empty
// one of the same type and shape, marked with why; arrayDims (which every read goes through)
// throws FormatError "<file>: damaged: <why>" for it.
void markUnreadable(hid_t set, const std::string& why);

// A dataset's dimensions. Throws FormatError when their product overflows or the data it claims
// could not come from this file (more than deflate's 1032:1 ratio of the file's size), so a
// caller may allocate the product without trusting the file.
std::vector<hsize_t> arrayDims(hid_t loc, const std::string& name, const std::string& file);
// The size in bytes of the file `loc` belongs to; FormatError naming `where` when HDF5 cannot tell.
hsize_t fileSizeOf(hid_t loc, const std::string& file, const std::string& where);
// The most data a file of `fileSize` bytes can hold: deflate's best case is 1032:1, so anything
// claiming more cannot be real.
inline hsize_t plausibleBytes(hsize_t fileSize)
{
    return fileSize * 1032 + 65536;
}
// "[3, 4, 5]", for messages.
std::string dimsText(const std::vector<hsize_t>& dims);
// Product of dims (arrayDims has checked it fits).
std::size_t elementCount(const std::vector<hsize_t>& dims);
// Reads a whole dataset into `out`, which holds `count` elements of memType. Throws FormatError
// naming the dataset when it holds a different number of elements.
void readArray(hid_t loc, const std::string& name, hid_t memType, void* out, std::size_t count, const std::string& file);

// Group member names in creation-independent (name) order. Throws FormatError naming `where`
// when the group's index cannot be walked (a damaged file), instead of returning fewer names.
std::vector<std::string> children(hid_t group, const std::string& file, const std::string& where);

} // namespace headscope::h5
