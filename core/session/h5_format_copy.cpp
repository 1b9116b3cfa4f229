#include "h5_format_copy.h"

#include "h5_diagnose.h"
#include "h5_storage_check.h"
#include "h5_util.h"

#include <hdf5.h>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace headscope::h5 {

namespace {

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxLinks = 1u << 20;

// The group's member names; `complete` false when its index could not be walked to the end.
std::vector<std::string> linkNames(hid_t g, bool& complete)
{
    std::vector<std::string> names;
    hsize_t at = 0;
    complete = H5Literate(
                   g, H5_INDEX_NAME, H5_ITER_INC, &at,
                   [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
                       auto* out = static_cast<std::vector<std::string>*>(data);
                       out->emplace_back(name);
                       return out->size() < kMaxLinks ? 0 : 1;
                   },
                   &names) == 0;
    return names;
}

std::string objectPath(hid_t obj)
{
    char name[1024] = {};
    return H5Iget_name(obj, name, sizeof name) > 0 ? std::string(name) : std::string("a dataset");
}

// Values of fixed size (HeadScope writes no others) are copied as bytes, unconverted: the file's
// type serves as the memory type too.
bool hasFixedSize(hid_t type)
{
    return H5Tdetect_class(type, H5T_VLEN) == 0 && H5Tis_variable_str(type) == 0 &&
           H5Tdetect_class(type, H5T_REFERENCE) == 0;
}

class Copier {
public:
    Copier(std::size_t budget, hsize_t sourceBytes) : m_budget(budget), m_sourceBytes(sourceBytes) {}

    bool complete() const { return m_complete; }

    // Copies `from`'s attributes and, for a group, its members into `to`.
    void object(hid_t from, hid_t to, int depth)
    {
        attributes(from, to);
        H5O_info_t info{};
        if (depth > kMaxDepth || H5Oget_info2(from, &info, H5O_INFO_BASIC) < 0 || info.type != H5O_TYPE_GROUP) {
            m_complete = m_complete && depth <= kMaxDepth;
            return;
        }
        bool listed = true;
        const std::vector<std::string> names = linkNames(from, listed);
        m_complete = m_complete && listed;
        for (const std::string& name : names) {
            H5L_info_t link{};
            if (H5Lget_info(from, name.c_str(), &link, H5P_DEFAULT) < 0 || link.type != H5L_TYPE_HARD) {
                m_complete = false; // HeadScope writes hard links only
                continue;
            }
            H5O_info_t child{};
            if (H5Oget_info_by_name2(from, name.c_str(), &child, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
                !m_seen.insert(child.addr).second) {
                m_complete = false; // unreadable, or a second link to one object (a cycle in a damaged file)
                continue;
            }
            Handle source(H5Oopen(from, name.c_str(), H5P_DEFAULT), &H5Oclose);
            if (!source.valid()) {
                m_complete = false;
                continue;
            }
            if (child.type == H5O_TYPE_GROUP) {
                Handle target;
                try {
                    target = createGroup(to, name, "");
                } catch (...) {
                    m_failed = true;
                    return;
                }
                object(source.get(), target.get(), depth + 1);
            } else if (child.type == H5O_TYPE_DATASET) {
                dataset(source.get(), to, name);
            } else {
                m_complete = false;
            }
            if (m_failed)
                return;
        }
    }

    bool failed() const { return m_failed; }

private:
    void attributes(hid_t from, hid_t to)
    {
        std::vector<std::string> names;
        hsize_t at = 0;
        if (H5Aiterate2(
                from, H5_INDEX_NAME, H5_ITER_INC, &at,
                [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
                    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
                    return 0;
                },
                &names) < 0)
            m_complete = false;
        for (const std::string& name : names) {
            Handle attr(H5Aopen(from, name.c_str(), H5P_DEFAULT), &H5Aclose);
            Handle space(attr.valid() ? H5Aget_space(attr.get()) : -1, &H5Sclose);
            Handle type(attr.valid() ? H5Aget_type(attr.get()) : -1, &H5Tclose);
            const hssize_t count = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
            const std::size_t size = type.valid() ? H5Tget_size(type.get()) : 0;
            if (count < 0 || size == 0 || !hasFixedSize(type.get())) {
                m_complete = false;
                continue;
            }
            const auto values = take(static_cast<std::size_t>(count), size);
            if (!values || H5Aread(attr.get(), type.get(), values.get()) < 0) {
                m_complete = false;
                continue;
            }
            Handle copy(H5Acreate2(to, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), &H5Aclose);
            if (!copy.valid() || H5Awrite(copy.get(), type.get(), values.get()) < 0)
                m_failed = true;
            give(static_cast<std::size_t>(count), size);
        }
    }

    void dataset(hid_t from, hid_t to, const std::string& name)
    {
        Handle space(H5Dget_space(from), &H5Sclose);
        Handle type(H5Dget_type(from), &H5Tclose);
        Handle props(H5Dget_create_plist(from), &H5Pclose);
        const std::size_t size = type.valid() ? H5Tget_size(type.get()) : 0;
        const hssize_t points = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
        if (!props.valid() || points < 0 || size == 0 || !hasFixedSize(type.get())) {
            m_complete = false;
            return;
        }
        const auto count = static_cast<std::size_t>(points);
        const std::string where = objectPath(from);
        // What the readers refuse before reading (h5::arrayDims, h5::requireStorageComplete) is
        // not read here either: the copy holds an empty dataset of the same type and shape in its
        // place, marked with why, and the reader reports that when it reaches it.
        if (count > plausibleBytes(m_sourceBytes) / size)
            return placeholder(to, name, type.get(), space.get(),
                               where + ": dimensions claim more data than a " + std::to_string(m_sourceBytes) +
                                   "-byte file can hold");
        try {
            requireStorageComplete(from, count, "", where);
        } catch (const std::exception& e) {
            return placeholder(to, name, type.get(), space.get(), withoutPrefix(e.what()));
        }
        if (count > 0 && H5Pget_layout(props.get()) == H5D_CHUNKED)
            return chunkedDataset(from, to, name, where, type.get(), space.get(), props.get());
        const auto values = take(count, size);
        if (!values)
            return placeholder(to, name, type.get(), space.get(), where + ": too large to copy in one piece");
        if (count > 0 && H5Dread(from, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.get()) < 0) {
            give(count, size);
            return placeholder(to, name, type.get(), space.get(), where + ": cannot be read (" + errorDetail() + ")");
        }
        // The copy keeps the source's chunking and deflate (the only filters the check allows).
        Handle target(H5Dcreate2(to, name.c_str(), type.get(), space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
                      &H5Dclose);
        if (!target.valid()) {
            m_failed = true;
            return;
        }
        attributes(from, target.get());
        if (!m_failed && count > 0 &&
            (H5Dwrite(target.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.get()) < 0 || target.close() < 0))
            m_failed = true;
        give(count, size);
    }

    // A chunked dataset is copied chunk by chunk as stored, still deflated: the storage check has
    // inflated each chunk already, and deflating the values again took most of the copy's time
    // (7 s for a 192 MB file).
    void chunkedDataset(hid_t from, hid_t to, const std::string& name, const std::string& where, hid_t type,
                        hid_t space, hid_t props)
    {
        Handle target(H5Dcreate2(to, name.c_str(), type, space, H5P_DEFAULT, props, H5P_DEFAULT), &H5Dclose);
        if (!target.valid()) {
            m_failed = true;
            return;
        }
        attributes(from, target.get());
        hsize_t chunks = 0;
        const int rank = H5Sget_simple_extent_ndims(space);
        std::vector<hsize_t> offset(static_cast<std::size_t>(std::max(rank, 1)));
        std::vector<unsigned char> raw;
        bool read = H5Dget_num_chunks(from, space, &chunks) >= 0;
        for (hsize_t i = 0; read && !m_failed && i < chunks; ++i) {
            unsigned mask = 0;
            haddr_t address = 0;
            hsize_t bytes = 0;
            uint32_t filters = 0;
            read = H5Dget_chunk_info(from, space, i, offset.data(), &mask, &address, &bytes) >= 0 && bytes <= m_sourceBytes;
            if (read) {
                raw.resize(static_cast<std::size_t>(bytes));
                read = H5Dread_chunk(from, H5P_DEFAULT, offset.data(), &filters, raw.data()) >= 0;
            }
            if (read && H5Dwrite_chunk(target.get(), H5P_DEFAULT, filters, offset.data(), raw.size(), raw.data()) < 0)
                m_failed = true;
        }
        if (!read) {
            m_complete = false;
            try {
                markUnreadable(target.get(), where + ": its chunks cannot be read (" + errorDetail() + ")");
            } catch (...) {
                m_failed = true;
            }
        }
        if (target.close() < 0)
            m_failed = true;
    }

    // An empty dataset standing for one that cannot be copied, marked with why (h5::unreadableMark).
    void placeholder(hid_t to, const std::string& name, hid_t type, hid_t space, const std::string& why)
    {
        m_complete = false;
        Handle target(H5Dcreate2(to, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), &H5Dclose);
        if (!target.valid()) {
            m_failed = true;
            return;
        }
        try {
            markUnreadable(target.get(), why);
        } catch (...) {
            m_failed = true;
        }
    }

    // "<file>: damaged: <where> …" with an empty file name, as the checks word it → "<where> …".
    static std::string withoutPrefix(const std::string& message)
    {
        for (const char* prefix : {": damaged: ", ": "})
            if (message.rfind(prefix, 0) == 0)
                return message.substr(std::string(prefix).size());
        return message;
    }

    // Room for `count` values of `size` bytes within the budget; null when it does not fit.
    std::unique_ptr<unsigned char[]> take(std::size_t count, std::size_t size)
    {
        if (count > m_budget / size)
            return nullptr;
        m_budget -= count * size;
        return std::unique_ptr<unsigned char[]>(new unsigned char[std::max<std::size_t>(count * size, 1)]);
    }
    void give(std::size_t count, std::size_t size) { m_budget += count * size; }

    std::size_t m_budget;
    hsize_t m_sourceBytes;
    bool m_complete = true;
    bool m_failed = false;
    std::set<haddr_t> m_seen;
};

} // namespace

CopyOutcome copyIntoCurrentFormat(const std::filesystem::path& source, const std::filesystem::path& target,
                                  std::size_t dataBudgetBytes)
{
    silenceLibraryErrors();
    // libhdf5 reads some names from a damaged file without their terminator (strlen past the end
    // of its buffer); whether that leaves the buffer depends on what the memory held before. Every
    // buffer is taken fresh from malloc (no HDF5 free lists) and, without a sanitizer (whose
    // allocator fills new memory itself), filled with non-zero bytes, so that such a read runs
    // past its buffer here — where a crash is a verdict — rather than pass unnoticed. These are
    // process-wide settings, which is why only a child process made for the copy calls this.
    H5set_free_list_limits(0, 0, 0, 0, 0, 0);
    H5garbage_collect();
    mallopt(M_PERTURB, 0x5a);

    Handle access(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
    H5Pset_file_locking(access.get(), false, true);
    Handle from(H5Fopen(source.c_str(), H5F_ACC_RDONLY, access.get()), &H5Fclose);
    if (!from.valid())
        return CopyOutcome::SourceUnreadable;
    hsize_t sourceBytes = 0;
    H5Fget_filesize(from.get(), &sourceBytes);
    Handle to(createChecksummedFile(target.string()), &H5Fclose);
    if (!to.valid())
        return CopyOutcome::TargetFailed;
    Handle fromRoot(H5Oopen(from.get(), "/", H5P_DEFAULT), &H5Oclose);
    Handle toRoot(H5Oopen(to.get(), "/", H5P_DEFAULT), &H5Oclose);
    if (!fromRoot.valid() || !toRoot.valid())
        return fromRoot.valid() ? CopyOutcome::TargetFailed : CopyOutcome::SourceUnreadable;
    Copier copier(dataBudgetBytes, sourceBytes);
    copier.object(fromRoot.get(), toRoot.get(), 0);
    fromRoot.close();
    toRoot.close();
    if (copier.failed() || to.close() < 0)
        return CopyOutcome::TargetFailed;
    return copier.complete() ? CopyOutcome::Complete : CopyOutcome::Partial;
}

} // namespace headscope::h5
