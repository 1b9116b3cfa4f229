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

// from_blob over the read-only mapping, then one conversion into owned memory on the target.
at::Tensor toTensor(const Checkpoint& cp, const std::string& name, const at::TensorOptions& options)
{
    if (name.empty())
        return {};
    const TensorView& view = cp.tensor(name);
    auto mapped = at::from_blob(const_cast<std::byte*>(view.data), view.shape, at::TensorOptions().dtype(scalarType(view)));
    at::Tensor out = at::empty(view.shape, options);
    out.copy_(mapped);
    return out;
}

} // namespace

ModelWeights loadWeights(const Checkpoint& cp, const at::TensorOptions& options)
{
    const TensorNames names = tensorNamesFor(cp.config());
    ModelWeights w;
    w.embed = toTensor(cp, names.embedTokens, options);
    w.finalNorm = toTensor(cp, names.finalNorm, options);
    w.lmHead = names.lmHead.empty() ? w.embed : toTensor(cp, names.lmHead, options);
    const ModelConfig& c = cp.config();
    const int64_t qRows = c.numHeads * c.headDim, kvRows = c.numKvHeads * c.headDim;
    for (const LayerTensorNames& n : names.layers) {
        LayerWeights l;
        l.inputNorm = toTensor(cp, n.inputNorm, options);
        if (!n.qkvProj.empty()) { // rows [q | k | v]
            auto qkv = toTensor(cp, n.qkvProj, options);
            w.bytes += qkv.numel() * static_cast<int64_t>(qkv.element_size());
            l.q = qkv.narrow(0, 0, qRows);
            l.k = qkv.narrow(0, qRows, kvRows);
            l.v = qkv.narrow(0, qRows + kvRows, kvRows);
        } else {
            l.q = toTensor(cp, n.qProj, options);
            l.k = toTensor(cp, n.kProj, options);
            l.v = toTensor(cp, n.vProj, options);
        }
        l.o = toTensor(cp, n.oProj, options);
        l.qBias = toTensor(cp, n.qBias, options);
        l.kBias = toTensor(cp, n.kBias, options);
        l.vBias = toTensor(cp, n.vBias, options);
        l.qNorm = toTensor(cp, n.qNorm, options);
        l.kNorm = toTensor(cp, n.kNorm, options);
        l.attnOutNorm = toTensor(cp, n.attnOutNorm, options);
        l.postNorm = toTensor(cp, n.mlpInputNorm, options);
        l.mlpOutNorm = toTensor(cp, n.mlpOutNorm, options);
        if (!n.gateUpProj.empty()) { // rows [gate | up]
            auto gateUp = toTensor(cp, n.gateUpProj, options);
            w.bytes += gateUp.numel() * static_cast<int64_t>(gateUp.element_size());
            l.gate = gateUp.narrow(0, 0, c.intermediateSize);
            l.up = gateUp.narrow(0, c.intermediateSize, c.intermediateSize);
        } else {
            l.gate = toTensor(cp, n.gateProj, options);
            l.up = toTensor(cp, n.upProj, options);
        }
        l.down = toTensor(cp, n.downProj, options);
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
