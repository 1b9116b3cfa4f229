#include "h5_util.h"

#include "h5_diagnose.h"
#include "h5_storage_check.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <string>

namespace headscope::h5 {

namespace {
// "/tests/000001/stats/topk_w": where a dataset is, for messages.
std::string pathOf(hid_t loc, const std::string& name)
{
    char buf[512];
    const ssize_t n = H5Iget_name(loc, buf, sizeof buf);
    std::string base = n > 0 ? std::string(buf, static_cast<std::size_t>(std::min<ssize_t>(n, sizeof buf - 1))) : std::string();
    if (base.empty() || base.back() != '/')
        base += '/';
    return base + name;
}
} // namespace

std::string dimsText(const std::vector<hsize_t>& dims)
{
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
        s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
}

void silenceLibraryErrors()
{
    // HDF5 prints its error stack to stderr by default; HeadScope reports errors itself.
    // Its exit handler closes files left open, and crashes on one whose close already failed
    // (a flush on a full disk); every file here is closed by its Handle, so it is not needed.
    // H5dont_atexit must come before any other HDF5 call, and this is always the first.
    static const bool done = [] {
        H5dont_atexit();
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        return true;
    }();
    (void)done;
}

namespace {
// Also at load time: an argument such as H5F_ACC_RDONLY or H5P_FILE_ACCESS expands to a call that
// initializes HDF5, so a call site could otherwise reach the library before the function above.
[[maybe_unused]] const bool kSilencedAtLoad = (silenceLibraryErrors(), true);
} // namespace

namespace {
std::string cause()
{
    const std::string detail = errorDetail();
    return detail.empty() ? std::string() : " (" + detail + ")";
}
} // namespace

hid_t check(hid_t id, const std::string& file, const std::string& what)
{
    if (id < 0)
        throw FormatError(file + ": HDF5: " + what + cause());
    return id;
}

void checkStatus(herr_t status, const std::string& file, const std::string& what)
{
    if (status < 0)
        throw FormatError(file + ": HDF5: " + what + cause());
}

namespace {
// The most links a group keeps in its object header (HDF5's limit for compact storage).
constexpr unsigned kMaxCompactLinks = 65535;
} // namespace

hid_t createChecksummedFile(const std::string& path)
{
    Handle access(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
    if (!access.valid() || H5Pset_libver_bounds(access.get(), H5F_LIBVER_V18, H5F_LIBVER_V18) < 0)
        return -1;
    return H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access.get());
}

bool exists(hid_t loc, const std::string& name)
{
    const htri_t found = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
    if (found < 0) {
        // The group's own header cannot be read (a failed checksum): not the same as "absent".
        // The cause first: every HDF5 call, H5Fget_name too, clears the error stack.
        const std::string why = cause();
        char file[1024] = {};
        const ssize_t n = H5Fget_name(loc, file, sizeof file);
        throw FormatError((n > 0 ? std::string(file) : std::string("HDF5 file")) + ": damaged: cannot tell whether " +
                          pathOf(loc, name) + " exists" + why);
    }
    return found > 0;
}

Handle createGroup(hid_t loc, const std::string& name, const std::string& file)
{
    // Links stay in the group's object header, which the file format checksums, however many
    // there are. HDF5 would move a group of more than 8 links to "dense" storage (a fractal heap
    // and a B-tree whose blocks carry no checksum), and libhdf5 1.10 frees uninitialized pointers
    // when it walks damaged dense storage (found by tst_session_faults under AddressSanitizer).
    Handle props(check(H5Pcreate(H5P_GROUP_CREATE), file, "group properties for " + name), &H5Pclose);
    checkStatus(H5Pset_link_phase_change(props.get(), kMaxCompactLinks, kMaxCompactLinks), file,
                "group properties for " + name);
    return Handle(check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, props.get(), H5P_DEFAULT), file,
                        "cannot create group " + name),
                  &H5Gclose);
}

Handle openGroup(hid_t loc, const std::string& name, const std::string& file)
{
    return Handle(check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), file, "missing group " + name), &H5Gclose);
}

void writeString(hid_t loc, const std::string& name, const std::string& value, const std::string& file)
{
    writeArray(loc, name, H5T_NATIVE_UCHAR, {static_cast<hsize_t>(value.size())}, value.data(), file, value.size() > 4096);
}

std::string readString(hid_t loc, const std::string& name, const std::string& file)
{
    const auto dims = arrayDims(loc, name, file);
    if (dims.size() != 1)
        throw FormatError(file + ": " + name + ": expected a 1-D byte dataset (text), got " + std::to_string(dims.size()) +
                          " dimensions");
    std::string out(static_cast<std::size_t>(dims[0]), '\0');
    readArray(loc, name, H5T_NATIVE_UCHAR, out.data(), out.size(), file);
    return out;
}

void writeArray(hid_t loc, const std::string& name, hid_t memType, const std::vector<hsize_t>& dims, const void* data,
                const std::string& file, bool compress)
{
    std::vector<hsize_t> d = dims;
    bool empty = false;
    for (hsize_t& x : d)
        empty = empty || x == 0;
    Handle space(check(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), file, "dataspace for " + name), &H5Sclose);
    Handle props(H5Pcreate(H5P_DATASET_CREATE), &H5Pclose);
    if (compress && !empty) {
        std::vector<hsize_t> chunk = d;
        hsize_t total = 1;
        for (hsize_t x : chunk)
            total *= x;
        // Keep chunks near 64k elements by shrinking the leading dimension.
        if (total > 65536 && chunk[0] > 1)
            chunk[0] = std::max<hsize_t>(1, chunk[0] * 65536 / total);
        H5Pset_chunk(props.get(), static_cast<int>(chunk.size()), chunk.data());
        H5Pset_deflate(props.get(), 4);
    }
    Handle set(check(H5Dcreate2(loc, name.c_str(), memType, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT), file,
                     "cannot create dataset " + name),
               &H5Dclose);
    if (!empty)
        checkStatus(H5Dwrite(set.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file, "cannot write " + name);
    checkStatus(set.close(), file, "cannot write " + name);
}

void writeHalfArray(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, const uint16_t* bits,
                    const std::string& file)
{
    // 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits, little-endian.
    Handle type(check(H5Tcopy(H5T_IEEE_F32LE), file, "float16 type"), &H5Tclose);
    checkStatus(H5Tset_fields(type.get(), 15, 10, 5, 0, 10), file, "float16 fields");
    checkStatus(H5Tset_size(type.get(), 2), file, "float16 size");
    checkStatus(H5Tset_precision(type.get(), 16), file, "float16 precision");
    checkStatus(H5Tset_ebias(type.get(), 15), file, "float16 bias");
    Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), file, "dataspace for " + name),
                 &H5Sclose);
    Handle props(H5Pcreate(H5P_DATASET_CREATE), &H5Pclose);
    std::vector<hsize_t> chunk(dims.size(), 1);
    chunk.back() = std::max<hsize_t>(1, dims.back());
    checkStatus(H5Pset_chunk(props.get(), static_cast<int>(chunk.size()), chunk.data()), file, "chunking " + name);
    checkStatus(H5Pset_deflate(props.get(), 4), file, "deflate " + name);
    Handle set(check(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT), file,
                     "cannot create dataset " + name),
               &H5Dclose);
    checkStatus(H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bits), file, "cannot write " + name);
    checkStatus(set.close(), file, "cannot write " + name);
}

hsize_t fileSizeOf(hid_t loc, const std::string& file, const std::string& where)
{
    hsize_t size = 0;
    Handle owner(H5Iget_file_id(loc), &H5Fclose);
    if (!owner.valid() || H5Fget_filesize(owner.get(), &size) < 0)
        throw FormatError(file + ": " + where + ": cannot tell the file's size");
    return size;
}

namespace {
constexpr const char* kUnreadableMark = "headscope_unreadable";
} // namespace

void markUnreadable(hid_t set, const std::string& why)
{
    const std::string text = why.empty() ? std::string("cannot be read") : why;
    Handle type(H5Tcopy(H5T_C_S1), &H5Tclose);
    Handle space(H5Screate(H5S_SCALAR), &H5Sclose);
    if (!type.valid() || H5Tset_size(type.get(), text.size()) < 0 || !space.valid())
        throw FormatError("cannot mark a dataset as unreadable");
    Handle attr(H5Acreate2(set, kUnreadableMark, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), &H5Aclose);
    if (!attr.valid() || H5Awrite(attr.get(), type.get(), text.data()) < 0)
        throw FormatError("cannot mark a dataset as unreadable");
}

std::vector<hsize_t> arrayDims(hid_t loc, const std::string& name, const std::string& file)
{
    const std::string where = pathOf(loc, name);
    Handle set(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), file, "missing dataset " + where), &H5Dclose);
    if (H5Aexists(set.get(), kUnreadableMark) > 0) {
        Handle attr(H5Aopen(set.get(), kUnreadableMark, H5P_DEFAULT), &H5Aclose);
        Handle type(attr.valid() ? H5Aget_type(attr.get()) : -1, &H5Tclose);
        std::string why(type.valid() ? std::min<std::size_t>(H5Tget_size(type.get()), 4096) : 0, '\0');
        if (why.empty() || H5Tget_size(type.get()) != why.size() || H5Aread(attr.get(), type.get(), why.data()) < 0)
            why = where + " cannot be read";
        throw FormatError(file + ": damaged: " + why);
    }
    Handle space(check(H5Dget_space(set.get()), file, "no dataspace for " + where), &H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0)
        throw FormatError(file + ": " + where + ": unreadable dataspace");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        throw FormatError(file + ": " + where + ": unreadable dataspace");
    Handle type(check(H5Dget_type(set.get()), file, "no datatype for " + where), &H5Tclose);
    const std::size_t elementBytes = std::max<std::size_t>(H5Tget_size(type.get()), 1);
    const hsize_t fileSize = fileSizeOf(loc, file, where);
    const hsize_t plausible = plausibleBytes(fileSize);
    hsize_t bytes = elementBytes;
    for (hsize_t d : dims) {
        if (d != 0 && bytes > plausible / d)
            throw FormatError(file + ": " + where + ": dimensions " + dimsText(dims) + " claim more data than a " +
                              std::to_string(fileSize) + "-byte file can hold");
        bytes *= d;
    }
    return dims;
}

std::size_t elementCount(const std::vector<hsize_t>& dims)
{
    std::size_t n = 1;
    for (hsize_t d : dims)
        n *= static_cast<std::size_t>(d);
    return n;
}

void readArray(hid_t loc, const std::string& name, hid_t memType, void* out, std::size_t count, const std::string& file)
{
    const std::size_t held = elementCount(arrayDims(loc, name, file));
    if (held != count)
        throw FormatError(file + ": " + pathOf(loc, name) + ": holds " + std::to_string(held) + " values, expected " +
                          std::to_string(count));
    if (count == 0)
        return;
    Handle set(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), file, "missing dataset " + name), &H5Dclose);
    requireStorageComplete(set.get(), held, file, pathOf(loc, name));
    checkStatus(H5Dread(set.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), file, "cannot read " + name);
}

std::vector<std::string> children(hid_t group, const std::string& file, const std::string& where)
{
    std::vector<std::string> names;
    const herr_t status = H5Literate(
        group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    if (status < 0)
        throw FormatError(file + ": damaged: the members of " + where + " cannot be listed (" + errorDetail() + ")");
    return names;
}

} // namespace headscope::h5
