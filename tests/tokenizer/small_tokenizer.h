#pragma once
// A small, valid byte-level BPE tokenizer.json for tests that write tokenizer directories:
// 256 byte symbols (ids 0..255), "he" "ll" "hell" "hello" (256..259) merged from both merge
// spellings ("a b" and ["a", "b"]), added tokens <s> (260) and </s> (261).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace headscope::test {

// The GPT-2 byte ↔ character table (every byte has a printable stand-in).
inline std::string byteSymbol(int b)
{
    const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    int shifted = 0;
    for (int k = 0; k < b; ++k)
        shifted += !((k >= 0x21 && k <= 0x7e) || (k >= 0xa1 && k <= 0xac) || (k >= 0xae && k <= 0xff));
    const uint32_t cp = printable ? static_cast<uint32_t>(b) : 256u + static_cast<uint32_t>(shifted);
    std::string s;
    if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
    } else {
        s.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
    return s;
}

inline nlohmann::ordered_json addedToken(int id, const std::string& content, bool special = true)
{
    return {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", false}, {"special", special}};
}

// A small valid byte-level BPE tokenizer: 256 byte symbols, "he", "ll", "hell", "hello" merged.
inline nlohmann::ordered_json byteLevelTokenizer()
{
    using json = nlohmann::ordered_json;
    json vocab = json::object();
    for (int b = 0; b < 256; ++b)
        vocab[byteSymbol(b)] = b;
    vocab["he"] = 256;
    vocab["ll"] = 257;
    vocab["hell"] = 258;
    vocab["hello"] = 259;
    json t;
    t["version"] = "1.0";
    t["added_tokens"] = json::array({addedToken(260, "<s>"), addedToken(261, "</s>")});
    t["normalizer"] = nullptr;
    t["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    t["post_processor"] = nullptr;
    t["decoder"] = {{"type", "ByteLevel"}};
    t["model"] = {{"type", "BPE"},    {"dropout", nullptr}, {"unk_token", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
                  {"vocab", vocab},   {"merges", json::array({"h e", json::array({"l", "l"}), "he ll", "hell o"})}};
    return t;
}

} // namespace headscope::test
