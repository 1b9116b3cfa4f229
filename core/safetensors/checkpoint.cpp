// A Hugging Face checkpoint directory: config.json + model.safetensors, or shards listed in
// model.safetensors.index.json. Every tensor the config implies is checked for presence,
// dtype and shape when the checkpoint is opened, so the decoder can trust what it gets.
#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"

#include <nlohmann/json.hpp>

#include <set>
#include <unordered_map>

namespace headscope {

namespace fs = std::filesystem;

struct Checkpoint::Impl {
    fs::path directory;
    ModelConfig config;
    std::vector<std::unique_ptr<SafetensorsFile>> files;
    std::unordered_map<std::string, const TensorView*> byName;
};

Checkpoint::Checkpoint() : m_impl(std::make_unique<Impl>()) {}
Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;
Checkpoint::~Checkpoint() = default;

namespace {

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

void refusePickle(const fs::path& dir)
{
    for (const char* name : {"pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth",
                             "consolidated.00.pth", "consolidated.pth"}) {
        std::error_code ec;
        if (fs::exists(dir / name, ec))
            throw LoadError((dir / name).string() +
                            ": pickle checkpoints are refused. Loading a pickle file can execute arbitrary code; "
                            "convert the checkpoint to safetensors (e.g. save_pretrained(..., "
                            "safe_serialization=True)) and point HeadScope at that directory");
    }
}

std::vector<fs::path> shardFiles(const fs::path& dir)
{
    const fs::path single = dir / "model.safetensors";
    const fs::path index = dir / "model.safetensors.index.json";
    std::error_code ec;
    if (fs::exists(index, ec)) {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(readFileBytes(index));
        } catch (const nlohmann::json::exception& e) {
            throw FormatError(index.string() + ": not valid JSON: " + e.what());
        }
        auto wm = j.find("weight_map");
        if (wm == j.end() || !wm->is_object() || wm->empty())
            throw FormatError(index.string() + ": key \"weight_map\": expected an object mapping tensor names to shard files");
        std::set<std::string> names;
        for (auto it = wm->begin(); it != wm->end(); ++it) {
            if (!it.value().is_string())
                throw FormatError(index.string() + ": weight_map[\"" + it.key() + "\"]: expected a file name");
            const std::string shard = it.value().get<std::string>();
            if (shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
                throw FormatError(index.string() + ": weight_map[\"" + it.key() + "\"]: shard \"" + shard +
                                  "\" must be a file name inside the checkpoint directory");
            names.insert(shard);
        }
        std::vector<fs::path> out;
        for (const std::string& n : names)
            out.push_back(dir / n);
        return out;
    }
    if (fs::exists(single, ec))
        return {single};
    refusePickle(dir);
    throw LoadError(dir.string() + ": no model.safetensors or model.safetensors.index.json in this directory");
}

} // namespace

Checkpoint Checkpoint::open(const fs::path& dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw LoadError(dir.string() + ": not a directory (expected a Hugging Face checkpoint directory)");
    Checkpoint cp;
    Impl& d = *cp.m_impl;
    d.directory = dir;
    d.config = loadModelConfig(dir / "config.json");
    for (const fs::path& shard : shardFiles(dir))
        d.files.push_back(SafetensorsFile::open(shard));
    for (const auto& file : d.files) {
        for (const TensorView& t : file->tensors()) {
            auto [it, inserted] = d.byName.emplace(t.name, &t);
            if (!inserted)
                throw FormatError(t.file.string() + ": tensor \"" + t.name + "\" also appears in " + it->second->file.string());
        }
    }
    std::optional<ElementType> floatType;
    for (const ExpectedTensor& e : expectedTensors(d.config)) {
        auto it = d.byName.find(e.name);
        if (it == d.byName.end())
            throw LoadError(dir.string() + ": missing tensor \"" + e.name + "\" (expected shape " + shapeText(e.shape) +
                            ", required by config.json)");
        const TensorView& t = *it->second;
        if (t.shape != e.shape)
            throw FormatError(t.file.string() + ": tensor \"" + e.name + "\": expected shape " + shapeText(e.shape) +
                              ", got " + shapeText(t.shape));
        if (t.dtype != ElementType::F32 && t.dtype != ElementType::BF16 && t.dtype != ElementType::F16)
            throw FormatError(t.file.string() + ": tensor \"" + e.name + "\": expected dtype F32, BF16 or F16, got " +
                              std::string(elementTypeName(t.dtype)));
        if (!floatType)
            floatType = t.dtype;
    }
    return cp;
}

const ModelConfig& Checkpoint::config() const
{
    return m_impl->config;
}

const fs::path& Checkpoint::directory() const
{
    return m_impl->directory;
}

std::vector<fs::path> Checkpoint::weightFiles() const
{
    std::vector<fs::path> out;
    for (const auto& f : m_impl->files)
        out.push_back(f->path());
    return out;
}

const TensorView& Checkpoint::tensor(const std::string& name) const
{
    auto it = m_impl->byName.find(name);
    if (it == m_impl->byName.end())
        throw LoadError(m_impl->directory.string() + ": missing tensor \"" + name + "\"");
    return *it->second;
}

bool Checkpoint::has(const std::string& name) const
{
    return m_impl->byName.count(name) != 0;
}

std::vector<std::string> Checkpoint::tensorNames() const
{
    std::vector<std::string> out;
    for (const auto& f : m_impl->files)
        for (const TensorView& t : f->tensors())
            out.push_back(t.name);
    return out;
}

int64_t Checkpoint::weightBytes() const
{
    int64_t total = 0;
    for (const auto& [name, view] : m_impl->byName)
        total += static_cast<int64_t>(view->byteSize);
    return total;
}

ElementType Checkpoint::storedDtype() const
{
    return tensor(tensorNamesFor(m_impl->config).embedTokens).dtype;
}

} // namespace headscope
