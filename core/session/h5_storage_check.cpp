#include "h5_storage_check.h"

#include "h5_diagnose.h"
#include "h5_util.h"

#include "headscope/core/errors.h"

#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

namespace headscope::h5 {

namespace {

std::string damaged(const std::string& file, const std::string& where)
{
    return file + ": damaged: " + where;
}

void requireCompact(hid_t set, std::size_t needed, const std::string& file, const std::string& where)
{
    const hsize_t stored = H5Dget_storage_size(set);
    if (stored < needed)
        throw FormatError(damaged(file, where) + " is a compact dataset that needs " + std::to_string(needed) +
                          " bytes, but its header holds " + std::to_string(stored));
}

// The filters the chunks went through, in pipeline order. Deflate is the only one HeadScope
// writes; shuffle (h5repack's usual companion) keeps a chunk's size, so it is allowed too.
struct Pipeline {
    int deflateIndex = -1;
};

Pipeline readPipeline(hid_t props, const std::string& file, const std::string& where)
{
    Pipeline p;
    const int n = H5Pget_nfilters(props);
    if (n < 0)
        throw FormatError(damaged(file, where) + ": its filter pipeline cannot be read");
    for (int i = 0; i < n; ++i) {
        unsigned flags = 0;
        std::size_t nValues = 0;
        unsigned config = 0;
        const H5Z_filter_t id = H5Pget_filter2(props, static_cast<unsigned>(i), &flags, &nValues, nullptr, 0, nullptr, &config);
        if (id == H5Z_FILTER_DEFLATE && p.deflateIndex < 0)
            p.deflateIndex = i;
        else if (id != H5Z_FILTER_SHUFFLE)
            throw FormatError(file + ": " + where + " uses HDF5 filter " + std::to_string(id) +
                              "; HeadScope reads sessions stored plain, deflated, or shuffled and deflated");
    }
    return p;
}

// How many bytes `raw` inflates to, stopping one byte past `limit`; -1 when it is not deflate data.
long long inflatedSize(const std::vector<unsigned char>& raw, std::size_t limit, std::vector<unsigned char>& out)
{
    out.resize(limit + 1);
    z_stream z{};
    if (inflateInit(&z) != Z_OK)
        return -1;
    z.next_in = const_cast<unsigned char*>(raw.data());
    z.avail_in = static_cast<uInt>(raw.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int status = inflate(&z, Z_FINISH);
    const std::size_t produced = out.size() - z.avail_out;
    inflateEnd(&z);
    return status == Z_STREAM_END || status == Z_BUF_ERROR || status == Z_OK ? static_cast<long long>(produced) : -1;
}

void requireChunks(hid_t set, hid_t props, std::size_t elementBytes, const std::string& file, const std::string& where)
{
    const Pipeline pipeline = readPipeline(props, file, where);
    Handle space(check(H5Dget_space(set), file, "no dataspace for " + where), &H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    // HDF5 creates chunked datasets with one dimension or more only; reading a scalar one sets
    // libhdf5 iterating over a chunk grid sized from whatever the layout message holds.
    if (rank <= 0)
        throw FormatError(damaged(file, where) + ": chunked storage for a dataset without dimensions");
    std::vector<hsize_t> chunkDims(static_cast<std::size_t>(rank));
    if (H5Pget_chunk(props, rank, chunkDims.data()) != rank)
        throw FormatError(damaged(file, where) + ": its chunk shape does not match its " + std::to_string(rank) +
                          " dimensions");
    const hsize_t fileSize = fileSizeOf(set, file, where);
    std::size_t chunkBytes = elementBytes;
    for (hsize_t d : chunkDims) {
        if (d == 0 || chunkBytes > plausibleBytes(fileSize) / d)
            throw FormatError(damaged(file, where) + ": chunk dimension " + std::to_string(d) + " is impossible for a " +
                              std::to_string(fileSize) + "-byte file");
        chunkBytes *= static_cast<std::size_t>(d);
    }
    // HeadScope writes every chunk of a dataset, and each written chunk takes at least an 8-byte
    // address in the file's chunk index: more chunks than that are a damaged shape. (Reading one
    // makes libhdf5 set up every chunk of the selection, seconds to minutes for millions.)
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    hsize_t grid = 1;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const hsize_t along = dims[i] / chunkDims[i] + (dims[i] % chunkDims[i] != 0);
        if (along != 0 && grid > (fileSize / 8 + 1) / along)
            throw FormatError(damaged(file, where) + ": its shape " + dimsText(dims) + " in chunks of " + dimsText(chunkDims) +
                              " needs more chunks than a " + std::to_string(fileSize) + "-byte file can index");
        grid *= along;
    }
    hsize_t chunks = 0;
    if (H5Dget_num_chunks(set, space.get(), &chunks) < 0)
        throw FormatError(damaged(file, where) + ": its chunk index cannot be read (" + errorDetail() + ")");
    std::vector<hsize_t> offset(static_cast<std::size_t>(rank));
    std::vector<unsigned char> raw, inflated;
    for (hsize_t i = 0; i < chunks; ++i) {
        unsigned mask = 0;
        haddr_t address = 0;
        hsize_t size = 0;
        if (H5Dget_chunk_info(set, space.get(), i, offset.data(), &mask, &address, &size) < 0)
            throw FormatError(damaged(file, where) + ": chunk " + std::to_string(i) + " cannot be located (" +
                              errorDetail() + ")");
        if (size > fileSize)
            throw FormatError(damaged(file, where) + ": chunk " + std::to_string(i) + " claims " + std::to_string(size) +
                              " bytes of a " + std::to_string(fileSize) + "-byte file");
        raw.resize(static_cast<std::size_t>(size));
        uint32_t filters = 0;
        if (H5Dread_chunk(set, H5P_DEFAULT, offset.data(), &filters, raw.data()) < 0)
            throw FormatError(damaged(file, where) + ": chunk " + std::to_string(i) + " cannot be read (" +
                              errorDetail() + ")");
        const bool deflated = pipeline.deflateIndex >= 0 && !(filters & (1u << pipeline.deflateIndex));
        const long long actual = deflated ? inflatedSize(raw, chunkBytes, inflated) : static_cast<long long>(raw.size());
        if (actual < 0)
            throw FormatError(damaged(file, where) + ": chunk " + std::to_string(i) + " is not valid deflate data");
        if (static_cast<std::size_t>(actual) != chunkBytes)
            throw FormatError(damaged(file, where) + ": chunk " + std::to_string(i) + " holds " + std::to_string(actual) +
                              " bytes" + (deflated ? " after inflating" : "") + ", expected " + std::to_string(chunkBytes));
    }
}

} // namespace

void requireStorageComplete(hid_t set, std::size_t count, const std::string& file, const std::string& where)
{
    Handle props(check(H5Dget_create_plist(set), file, "no creation properties for " + where), &H5Pclose);
    Handle type(check(H5Dget_type(set), file, "no datatype for " + where), &H5Tclose);
    const std::size_t elementBytes = std::max<std::size_t>(H5Tget_size(type.get()), 1);
    switch (H5Pget_layout(props.get())) {
    case H5D_COMPACT:
        requireCompact(set, count * elementBytes, file, where);
        break;
    case H5D_CHUNKED:
        requireChunks(set, props.get(), elementBytes, file, where);
        break;
    case H5D_CONTIGUOUS:
        if (H5Pget_external_count(props.get()) != 0)
            throw FormatError(file + ": " + where + " keeps its data in external files; HeadScope sessions hold their data inside the file");
        break;
    case H5D_VIRTUAL:
        throw FormatError(file + ": " + where + " is a virtual dataset; HeadScope sessions hold their data inside the file");
    default:
        throw FormatError(damaged(file, where) + ": unknown storage layout");
    }
}

} // namespace headscope::h5
