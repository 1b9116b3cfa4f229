#include "h5_walk.h"

#include "h5_storage_check.h"
#include "h5_util.h"

#include <hdf5.h>
#include <malloc.h>

#include <algorithm>
#include <memory>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace headscope::h5 {

namespace {

// The memory types HeadScope's readers convert stored numbers to, by the stored class; each
// conversion is its own code path in libhdf5, so each is taken once here.
std::vector<hid_t> memoryTypesFor(H5T_class_t stored)
{
    if (stored == H5T_INTEGER)
        return {H5T_NATIVE_UCHAR, H5T_NATIVE_INT, H5T_NATIVE_LLONG, H5T_NATIVE_ULLONG, H5T_NATIVE_DOUBLE};
    if (stored == H5T_FLOAT)
        return {H5T_NATIVE_FLOAT, H5T_NATIVE_DOUBLE};
    return {};
}
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxLinks = 1u << 20;

class Walker {
public:
    explicit Walker(std::size_t budget) : m_budget(budget) {}

    void object(hid_t obj, int depth)
    {
        H5O_info_t info{};
        if (depth > kMaxDepth || H5Oget_info2(obj, &info, H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS) < 0)
            return;
        if (!m_seen.insert(info.addr).second)
            return; // a hard link to an object already walked (or a cycle)
        attributes(obj);
        if (info.type == H5O_TYPE_GROUP)
            group(obj, depth);
        else if (info.type == H5O_TYPE_DATASET)
            dataset(obj);
        else if (info.type == H5O_TYPE_NAMED_DATATYPE)
            H5Tget_class(obj);
    }

private:
    void group(hid_t g, int depth)
    {
        H5G_info_t gi{};
        H5Gget_info(g, &gi);
        const std::vector<std::string> names = linkNames(g, H5_INDEX_NAME);
        (void)linkNames(g, H5_INDEX_CRT_ORDER); // a second index, when the group keeps one
        // Reaching a member by name takes another path through the group's index (a B-tree
        // search comparing names from its heap) than iterating over it does.
        for (const std::string& name : names) {
            if (H5Lexists(g, name.c_str(), H5P_DEFAULT) <= 0)
                continue;
            H5L_info_t link{};
            if (H5Lget_info(g, name.c_str(), &link, H5P_DEFAULT) < 0 || link.type != H5L_TYPE_HARD)
                continue;
            Handle child(H5Oopen(g, name.c_str(), H5P_DEFAULT), &H5Oclose);
            if (child.valid())
                object(child.get(), depth + 1);
        }
    }

    static std::vector<std::string> linkNames(hid_t g, H5_index_t index)
    {
        std::vector<std::string> names;
        hsize_t at = 0;
        H5Literate(
            g, index, H5_ITER_INC, &at,
            [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
                auto* out = static_cast<std::vector<std::string>*>(data);
                out->emplace_back(name);
                return out->size() < kMaxLinks ? 0 : 1;
            },
            &names);
        return names;
    }

    void attributes(hid_t obj)
    {
        std::vector<std::string> names;
        hsize_t at = 0;
        H5Aiterate2(
            obj, H5_INDEX_NAME, H5_ITER_INC, &at,
            [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
                static_cast<std::vector<std::string>*>(data)->emplace_back(name);
                return 0;
            },
            &names);
        for (const std::string& name : names) {
            if (H5Aexists(obj, name.c_str()) <= 0)
                continue;
            Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), &H5Aclose);
            if (!attr.valid())
                continue;
            Handle space(H5Aget_space(attr.get()), &H5Sclose);
            Handle type(H5Aget_type(attr.get()), &H5Tclose);
            if (!space.valid() || !type.valid())
                continue;
            const hssize_t count = H5Sget_simple_extent_npoints(space.get());
            if (count <= 0)
                continue;
            for (hid_t memType : memoryTypesFor(H5Tget_class(type.get()))) {
                const auto buffer = take(static_cast<std::size_t>(count), H5Tget_size(memType));
                if (!buffer)
                    return;
                H5Aread(attr.get(), memType, buffer.get());
            }
        }
    }

    void dataset(hid_t set)
    {
        Handle space(H5Dget_space(set), &H5Sclose);
        Handle type(H5Dget_type(set), &H5Tclose);
        Handle props(H5Dget_create_plist(set), &H5Pclose);
        if (!space.valid() || !type.valid() || !props.valid())
            return;
        const int rank = H5Sget_simple_extent_ndims(space.get());
        if (rank < 0 || rank > H5S_MAX_RANK)
            return;
        std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
        H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
        std::size_t count = 1;
        for (hsize_t d : dims) {
            if (d != 0 && count > SIZE_MAX / d)
                return;
            count *= static_cast<std::size_t>(d);
        }
        const std::size_t typeSize = std::max<std::size_t>(H5Tget_size(type.get()), 1);
        // What the readers refuse before reading (h5::arrayDims) is not read here either.
        hsize_t fileSize = 0;
        if (count > SIZE_MAX / typeSize || H5Fget_filesize(set, &fileSize) < 0 || count * typeSize > plausibleBytes(fileSize))
            return;
        H5Dget_storage_size(set);
        try {
            // The same storage check the readers make before each read (chunks inflated by zlib
            // into a buffer of exactly one chunk), so that the reads below only meet storage that
            // holds what the dataspace promises.
            requireStorageComplete(set, count, "", "");
        } catch (...) {
            return;
        }
        if (count == 0)
            return;
        // HDF5 clears a type-conversion buffer of 1 MB for every read by default, most of the
        // walk's time for a session of small datasets; one sized to this dataset does the same work.
        Handle transfer(H5Pcreate(H5P_DATASET_XFER), &H5Pclose);
        const std::size_t conversionBytes = std::clamp<std::size_t>(count * std::max<std::size_t>(typeSize, 8), 1024, 1u << 20);
        H5Pset_buffer(transfer.get(), conversionBytes, nullptr, nullptr);
        // Every chunk through the filters once, in the stored type (no conversion); each conversion
        // a reader may ask for on the first value only (its code depends on the pair of types, not
        // on how many values it converts).
        Handle stored(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), &H5Tclose);
        if (!stored.valid())
            return;
        if (const auto buffer = take(count, H5Tget_size(stored.get())))
            H5Dread(set, stored.get(), H5S_ALL, H5S_ALL, transfer.get(), buffer.get());
        Handle first(H5Scopy(space.get()), &H5Sclose);
        const std::vector<hsize_t> origin(dims.size(), 0), one(dims.size(), 1);
        const hsize_t single = 1;
        Handle memory(H5Screate_simple(1, &single, nullptr), &H5Sclose);
        if (!first.valid() || !memory.valid() ||
            H5Sselect_hyperslab(first.get(), H5S_SELECT_SET, origin.data(), nullptr, one.data(), nullptr) < 0)
            return;
        for (hid_t memoryType : memoryTypesFor(H5Tget_class(type.get()))) {
            if (const auto buffer = take(1, H5Tget_size(memoryType)))
                H5Dread(set, memoryType, memory.get(), first.get(), transfer.get(), buffer.get());
        }
    }

    // Room for `count` values of `size` bytes out of what is left of the budget (uninitialized:
    // HDF5 fills it); null when the budget is spent.
    std::unique_ptr<unsigned char[]> take(std::size_t count, std::size_t size)
    {
        if (size == 0 || count > m_budget / size)
            return nullptr;
        m_budget -= count * size;
        return std::unique_ptr<unsigned char[]>(new unsigned char[count * size]);
    }

    std::size_t m_budget;
    std::set<haddr_t> m_seen;
};

} // namespace

void walkWholeFile(const std::filesystem::path& path, std::size_t dataBudgetBytes)
{
    silenceLibraryErrors();
    // libhdf5 reads some names from a damaged file without their terminator (strlen past the
    // end of its buffer). Whether that leaves the buffer depends on what the memory held before;
    // the process that opens the file afterwards may hold other bytes there than this one. So the
    // walk takes every buffer fresh from malloc (no HDF5 free lists) and, without a sanitizer
    // (whose allocator fills new memory itself), filled with non-zero bytes: an unterminated name
    // then reads past its buffer here whenever it could in the reader. This changes
    // process-wide settings, which is why only the screen's child process walks files.
    H5set_free_list_limits(0, 0, 0, 0, 0, 0);
    H5garbage_collect();
    mallopt(M_PERTURB, 0x5a);
    Handle access(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
    H5Pset_file_locking(access.get(), false, true);
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()), &H5Fclose);
    if (!file.valid())
        return;
    Handle root(H5Oopen(file.get(), "/", H5P_DEFAULT), &H5Oclose);
    if (root.valid())
        Walker(dataBudgetBytes).object(root.get(), 0);
}

} // namespace headscope::h5
