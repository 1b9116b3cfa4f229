// A Hugging Face checkpoint directory: config.json + model.safetensors, or shards listed in
// model.safetensors.index.json. Every tensor the config implies is checked for presence,
// dtype and shape when the checkpoint is opened, so the decoder can trust what it gets.
#include "headscope/core/checkpoint.h"

#include "config/arch/architecture_spec.h"
#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>
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
        const nlohmann::json j = json_input::readObjectFile(index, "a safetensors shard index");
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

using TensorIndex = std::unordered_map<std::string, const TensorView*>;

// The config's dimensions against the weights, key by key, before the full per-tensor check:
// a wrong num_hidden_layers, vocab_size or head count is reported by its config key and value
// rather than as some missing tensor or some shape far down the list.
void checkDimensionsAgainstWeights(const ModelConfig& c, const TensorIndex& byName, const fs::path& dir)
{
    const std::string cfg = (dir / "config.json").string();
    const TensorNames names = tensorNamesFor(c);
    auto present = [&](const std::string& n) { return !n.empty() && byName.count(n) != 0; };
    for (std::size_t i = 0; i < names.layers.size(); ++i) {
        const LayerTensorNames& l = names.layers[i];
        const bool any = present(l.inputNorm) || present(l.qProj) || present(l.kProj) || present(l.vProj) ||
                         present(l.qkvProj) || present(l.oProj) || present(l.mlpInputNorm) || present(l.gateProj) ||
                         present(l.upProj) || present(l.gateUpProj) || present(l.downProj);
        if (!any)
            throw FormatError(cfg + ": key \"num_hidden_layers\": " + std::to_string(c.numLayers) +
                              ", but the weights hold " + std::to_string(i) + " layer" + (i == 1 ? "" : "s") +
                              " (no tensor of layer " + std::to_string(i) + ", e.g. \"" + l.oProj + "\")");
    }
    // The size of dimension d of a tensor, or -1 when the tensor is absent or has fewer dims.
    auto dim = [&](const std::string& n, std::size_t d) -> int64_t {
        auto it = byName.find(n);
        if (it == byName.end() || it->second->shape.size() <= d)
            return -1;
        return it->second->shape[d];
    };
    auto expect = [&](const std::string& tensor, std::size_t d, int64_t want, const std::string& keys) {
        const int64_t got = dim(tensor, d);
        if (got >= 0 && got != want)
            throw FormatError(cfg + ": " + keys + " = " + std::to_string(want) + ", but tensor \"" + tensor + "\" in " +
                              byName.at(tensor)->file.filename().string() + " has " + std::to_string(got) +
                              (d == 0 ? " rows" : " columns") + " (shape " + shapeText(byName.at(tensor)->shape) + ")");
    };
    expect(names.embedTokens, 0, c.vocabSize, "key \"vocab_size\"");
    expect(names.embedTokens, 1, c.hiddenSize, "key \"hidden_size\"");
    if (!names.layers.empty()) {
        const LayerTensorNames& l = names.layers.front();
        expect(l.qProj, 1, c.hiddenSize, "key \"hidden_size\"");
        expect(l.qProj, 0, c.numHeads * c.headDim,
               "num_attention_heads (" + std::to_string(c.numHeads) + ") x head_dim (" + std::to_string(c.headDim) + ")");
        expect(l.kProj, 0, c.numKvHeads * c.headDim,
               "num_key_value_heads (" + std::to_string(c.numKvHeads) + ") x head_dim (" + std::to_string(c.headDim) + ")");
        expect(l.qkvProj, 1, c.hiddenSize, "key \"hidden_size\"");
        expect(l.qkvProj, 0, (c.numHeads + 2 * c.numKvHeads) * c.headDim,
               "(num_attention_heads " + std::to_string(c.numHeads) + " + 2 x num_key_value_heads " +
                   std::to_string(c.numKvHeads) + ") x head_dim (" + std::to_string(c.headDim) + ")");
        expect(l.gateProj, 0, c.intermediateSize, "key \"intermediate_size\"");
        expect(l.gateUpProj, 0, 2 * c.intermediateSize, "2 x key \"intermediate_size\"");
    }
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
    // A multimodal checkpoint's text tower has been saved under more than one prefix.
    const arch::ArchitectureSpec& spec = arch::specFor(d.config);
    for (const arch::WeightLayout& layout : spec.layouts) {
        if (d.byName.count(std::string(layout.prefix) + "embed_tokens.weight")) {
            d.config.weightPrefix = layout.prefix;
            d.config.lmHeadName = layout.lmHead;
            break;
        }
    }
    checkDimensionsAgainstWeights(d.config, d.byName, dir);
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

std::vector<Checkpoint::SkippedPart> Checkpoint::skippedParts() const
{
    std::vector<SkippedPart> parts;
    for (const ModelConfig::SkippedComponent& component : m_impl->config.skippedComponents) {
        auto it = std::find_if(parts.begin(), parts.end(),
                               [&](const SkippedPart& p) { return p.description == component.description; });
        if (it == parts.end())
            it = parts.insert(parts.end(), SkippedPart{component.description, 0, 0});
        for (const auto& [name, view] : m_impl->byName) {
            if (name.rfind(component.tensorPrefix, 0) == 0) {
                ++it->tensors;
                it->bytes += static_cast<int64_t>(view->byteSize);
            }
        }
    }
    std::erase_if(parts, [](const SkippedPart& p) { return p.tensors == 0; });
    return parts;
}

ElementType Checkpoint::storedDtype() const
{
    return tensor(tensorNamesFor(m_impl->config).embedTokens).dtype;
}

} // namespace headscope
