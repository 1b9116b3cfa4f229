#include "model_weights.h"

#include "headscope/core/errors.h"

namespace headscope::model {

namespace {

at::ScalarType scalarType(const TensorView& view)
{
    switch (view.dtype) {
    case ElementType::F32: return at::kFloat;
    case ElementType::BF16: return at::kBFloat16;
    case ElementType::F16: return at::kHalf;
    default:
        throw FormatError(view.file.string() + ": tensor \"" + view.name + "\": dtype " +
                          std::string(elementTypeName(view.dtype)) + " cannot be loaded as weights");
    }
}

// A view of the read-only mapping when the stored dtype is the compute dtype on the CPU: the
// deleter holds the checkpoint (and so its mappings) until the last view is gone. The pages
// are the kernel's page cache, shared with every other process that maps the same file and
// dropped under memory pressure instead of swapped. Otherwise one conversion into owned memory.
at::Tensor toTensor(const std::shared_ptr<const Checkpoint>& cp, const std::string& name,
                    const at::TensorOptions& options, int64_t& mappedBytes)
{
    if (name.empty())
        return {};
    const TensorView& view = cp->tensor(name);
    auto* data = const_cast<std::byte*>(view.data); // never written: the mapping is PROT_READ
    if (usableInPlace(view.dtype, options)) {
        mappedBytes += static_cast<int64_t>(view.byteSize);
        return at::from_blob(data, view.shape, [keep = cp](void*) {}, options);
    }
    auto mapped = at::from_blob(data, view.shape, at::TensorOptions().dtype(scalarType(view)));
    at::Tensor out = at::empty(view.shape, options);
    out.copy_(mapped);
    releaseResidentPages(view); // the source is not needed beside its converted copy
    return out;
}

} // namespace

bool usableInPlace(ElementType stored, const at::TensorOptions& options)
{
    if (options.device().type() != at::kCPU)
        return false;
    const auto dtype = options.dtype().toScalarType();
    return (stored == ElementType::F32 && dtype == at::kFloat) || (stored == ElementType::BF16 && dtype == at::kBFloat16);
}

ModelWeights loadWeights(const std::shared_ptr<const Checkpoint>& cp, const at::TensorOptions& options)
{
    const TensorNames names = tensorNamesFor(cp->config());
    ModelWeights w;
    auto load = [&](const std::string& name) { return toTensor(cp, name, options, w.mappedBytes); };
    w.embed = load(names.embedTokens);
    w.finalNorm = load(names.finalNorm);
    w.lmHead = names.lmHead.empty() ? w.embed : load(names.lmHead);
    const ModelConfig& c = cp->config();
    const int64_t qRows = c.numHeads * c.headDim, kvRows = c.numKvHeads * c.headDim;
    for (const LayerTensorNames& n : names.layers) {
        LayerWeights l;
        l.inputNorm = load(n.inputNorm);
        if (!n.qkvProj.empty()) { // rows [q | k | v]
            auto qkv = load(n.qkvProj);
            w.bytes += qkv.numel() * static_cast<int64_t>(qkv.element_size());
            l.q = qkv.narrow(0, 0, qRows);
            l.k = qkv.narrow(0, qRows, kvRows);
            l.v = qkv.narrow(0, qRows + kvRows, kvRows);
        } else {
            l.q = load(n.qProj);
            l.k = load(n.kProj);
            l.v = load(n.vProj);
        }
        l.o = load(n.oProj);
        l.qBias = load(n.qBias);
        l.kBias = load(n.kBias);
        l.vBias = load(n.vBias);
        l.qNorm = load(n.qNorm);
        l.kNorm = load(n.kNorm);
        l.attnOutNorm = load(n.attnOutNorm);
        l.postNorm = load(n.mlpInputNorm);
        l.mlpOutNorm = load(n.mlpOutNorm);
        if (!n.gateUpProj.empty()) { // rows [gate | up]
            auto gateUp = load(n.gateUpProj);
            w.bytes += gateUp.numel() * static_cast<int64_t>(gateUp.element_size());
            l.gate = gateUp.narrow(0, 0, c.intermediateSize);
            l.up = gateUp.narrow(0, c.intermediateSize, c.intermediateSize);
        } else {
            l.gate = load(n.gateProj);
            l.up = load(n.upProj);
        }
        l.down = load(n.downProj);
        w.layers.push_back(std::move(l));
    }
    auto add = [&](const at::Tensor& t) {
        if (t.defined())
            w.bytes += t.numel() * static_cast<int64_t>(t.element_size());
    };
    add(w.embed);
    add(w.finalNorm);
    if (!names.lmHead.empty())
        add(w.lmHead);
    for (std::size_t i = 0; i < w.layers.size(); ++i) {
        const LayerWeights& l = w.layers[i];
        const LayerTensorNames& n = names.layers[i];
        for (const at::Tensor* t : {&l.inputNorm, &l.o, &l.qBias, &l.kBias, &l.vBias, &l.qNorm, &l.kNorm, &l.attnOutNorm,
                                    &l.postNorm, &l.mlpOutNorm, &l.down})
            add(*t);
        if (n.qkvProj.empty())
            for (const at::Tensor* t : {&l.q, &l.k, &l.v})
                add(*t);
        if (n.gateUpProj.empty())
            for (const at::Tensor* t : {&l.gate, &l.up})
                add(*t);
    }
    return w;
}

} // namespace headscope::model
