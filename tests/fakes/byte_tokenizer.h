#pragma once
// A real tokenizer.json without fetching anything: the byte-level tokenizer writeTestModel
// writes (256 byte tokens, BOS 256, EOS 257, BOS added by default), in a tiny checkpoint
// directory the tests' fakes and engines can share.
#include "headscope/core/checkpoint.h"
#include "headscope/core/tokenizer.h"

#include <filesystem>

namespace headscope::testing {

// Writes a 1-layer random checkpoint with the byte tokenizer into `dir`.
inline void writeByteTokenizerModel(const std::filesystem::path& dir)
{
    TestModelSpec spec;
    spec.layers = 1;
    spec.hidden = 8;
    spec.heads = 2;
    spec.kvHeads = 1;
    spec.intermediate = 8;
    spec.byteTokenizer = true;
    writeTestModel(spec, dir);
}

} // namespace headscope::testing
