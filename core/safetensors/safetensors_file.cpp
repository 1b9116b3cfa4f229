// A memory-mapped .safetensors file. Layout: u64 little-endian header length N, N bytes of
// JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the
// data region; offsets are relative to the data region. Nothing in the header is trusted:
// lengths, offsets, sizes and overlaps are all checked before any TensorView is handed out.
#include "headscope/core/checkpoint.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>    // open
#include <sys/mman.h> // mmap, munmap, madvise
#include <sys/stat.h> // fstat
#include <unistd.h>   // close

namespace headscope {

bool elementTypeFromName(std::string_view name, ElementType& out); // element_type.cpp

struct SafetensorsFile::Impl {
    std::filesystem::path path;
    void* mapping = nullptr;
    std::size_t mappedSize = 0;
    std::vector<TensorView> tensors;
    std::map<std::string, std::string> metadata;

    ~Impl()
    {
        if (mapping && mapping != MAP_FAILED)
            munmap(mapping, mappedSize);
    }
};

SafetensorsFile::SafetensorsFile() : m_impl(std::make_unique<Impl>()) {}
SafetensorsFile::~SafetensorsFile() = default;

namespace {

[[noreturn]] void fail(const std::filesystem::path& p, const std::string& what)
{
    throw FormatError(p.string() + ": " + what);
}

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

} // namespace

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path)
{
    std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
    Impl& d = *file->m_impl;
    d.path = path;

    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw LoadError(path.string() + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        ::close(fd);
        throw LoadError(path.string() + ": cannot stat: " + std::strerror(errno));
    }
    const auto fileSize = static_cast<uint64_t>(st.st_size);
    if (fileSize < 8) {
        ::close(fd);
        fail(path, "truncated: " + std::to_string(fileSize) + " bytes, a safetensors file needs at least 8");
    }
    d.mappedSize = static_cast<std::size_t>(fileSize);
    d.mapping = mmap(nullptr, d.mappedSize, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (d.mapping == MAP_FAILED) {
        d.mapping = nullptr;
        throw LoadError(path.string() + ": cannot memory-map: " + std::strerror(errno));
    }
    const auto* bytes = static_cast<const std::byte*>(d.mapping);

    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | static_cast<uint8_t>(bytes[i]);
    if (headerLen > fileSize - 8)
        fail(path, "header length " + std::to_string(headerLen) + " is larger than the file allows (" +
                       std::to_string(fileSize - 8) + " bytes after the length field)");
    const std::string_view headerText(reinterpret_cast<const char*>(bytes + 8), static_cast<std::size_t>(headerLen));
    const nlohmann::json header = json_input::parse(headerText, path.string() + " (safetensors header)");
    json_input::requireObject(header, path.string() + " (safetensors header)", "tensor name → dtype, shape, offsets");

    const uint64_t dataStart = 8 + headerLen;
    const uint64_t dataSize = fileSize - dataStart;
    struct Range {
        uint64_t begin, end;
        std::size_t index;
    };
    std::vector<Range> ranges;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const nlohmann::json& entry = it.value();
        if (name == "__metadata__") {
            if (!entry.is_object())
                fail(path, "\"__metadata__\" must be an object of strings");
            for (auto m = entry.begin(); m != entry.end(); ++m) {
                if (!m.value().is_string())
                    fail(path, "\"__metadata__\" value for \"" + m.key() + "\" must be a string");
                d.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor \"" + name + "\"";
        if (!entry.is_object())
            fail(path, where + ": entry must be an object");
        auto dt = entry.find("dtype");
        auto sh = entry.find("shape");
        auto off = entry.find("data_offsets");
        if (dt == entry.end() || !dt->is_string())
            fail(path, where + ": missing or invalid \"dtype\"");
        if (sh == entry.end() || !sh->is_array())
            fail(path, where + ": missing or invalid \"shape\"");
        if (off == entry.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
            !(*off)[1].is_number_unsigned())
            fail(path, where + ": \"data_offsets\" must be two non-negative integers");
        TensorView view;
        view.name = name;
        view.file = path;
        if (!elementTypeFromName(dt->get<std::string>(), view.dtype))
            fail(path, where + ": unknown dtype \"" + dt->get<std::string>() + "\"");
        // Bytes (numel × element size), not just numel, must stay far from 2^64: a shape of 2^61
        // doubles would otherwise wrap to 0 bytes and pass the size check below.
        const uint64_t maxNumel = (uint64_t(1) << 62) / elementSize(view.dtype);
        uint64_t numel = 1;
        for (const auto& dim : *sh) {
            if (!dim.is_number_unsigned())
                fail(path, where + ": shape entries must be non-negative integers, got " + sh->dump());
            const uint64_t v = dim.get<uint64_t>();
            if (v != 0 && (v > maxNumel || numel > maxNumel / v))
                fail(path, where + ": shape " + sh->dump() + " overflows");
            numel *= v;
            view.shape.push_back(static_cast<int64_t>(v));
        }
        const uint64_t begin = (*off)[0].get<uint64_t>(), end = (*off)[1].get<uint64_t>();
        if (begin > end)
            fail(path, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                           "] begin after end");
        if (end > dataSize)
            fail(path, where + ": data_offsets end " + std::to_string(end) + " is past the data region (" +
                           std::to_string(dataSize) + " bytes)");
        const uint64_t expectedBytes = numel * elementSize(view.dtype);
        if (end - begin != expectedBytes)
            fail(path, where + ": " + std::to_string(end - begin) + " bytes for dtype " +
                           std::string(elementTypeName(view.dtype)) + " and shape " + shapeText(view.shape) +
                           ", expected " + std::to_string(expectedBytes));
        view.data = bytes + dataStart + begin;
        view.byteSize = static_cast<std::size_t>(end - begin);
        ranges.push_back({begin, end, d.tensors.size()});
        d.tensors.push_back(std::move(view));
    }
    // Empty tensors hold no bytes and overlap nothing. Left among sorted ranges, an empty one
    // would hide an overlap of its two neighbours from the previous-range comparison.
    std::erase_if(ranges, [](const Range& r) { return r.begin == r.end; });
    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].begin < ranges[i - 1].end)
            fail(path, "tensors \"" + d.tensors[ranges[i - 1].index].name + "\" and \"" + d.tensors[ranges[i].index].name +
                           "\" overlap in the data region");
    }
    madvise(d.mapping, d.mappedSize, MADV_WILLNEED);
    return file;
}

const std::vector<TensorView>& SafetensorsFile::tensors() const
{
    return m_impl->tensors;
}

const TensorView* SafetensorsFile::find(const std::string& name) const
{
    for (const TensorView& t : m_impl->tensors) {
        if (t.name == name)
            return &t;
    }
    return nullptr;
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const
{
    return m_impl->metadata;
}

const std::filesystem::path& SafetensorsFile::path() const
{
    return m_impl->path;
}

} // namespace headscope
