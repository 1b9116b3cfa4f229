// libFuzzer: model.safetensors.index.json of a sharded checkpoint → Checkpoint::open. The
// directory around it (config.json, three valid shards) is written once; only the index varies.
// An opened checkpoint must hold every tensor the config implies, inside its shard.
#include "fuzz_support.h"

#include "headscope/core/checkpoint.h"
#include "headscope/core/errors.h"

#include <cstdint>

using namespace headscope;

namespace {
std::filesystem::path modelDir()
{
    return fuzz::scratchDir() / "sharded";
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    TestModelSpec spec;
    spec.layers = 1;
    spec.hidden = 8;
    spec.heads = 2;
    spec.kvHeads = 1;
    spec.intermediate = 8;
    spec.vocab = 8;
    spec.shards = 3;
    writeTestModel(spec, modelDir());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    fuzz::writeFile(modelDir() / "model.safetensors.index.json", fuzz::asText(data, size));
    try {
        const Checkpoint cp = Checkpoint::open(modelDir());
        for (const ExpectedTensor& e : expectedTensors(cp.config())) {
            const TensorView& t = cp.tensor(e.name);
            HEADSCOPE_FUZZ_CHECK(t.shape == e.shape);
            HEADSCOPE_FUZZ_CHECK(t.file.parent_path() == modelDir());
        }
    } catch (const Error&) {
    }
    return 0;
}
