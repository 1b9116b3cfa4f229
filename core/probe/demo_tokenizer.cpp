// The demo model's tokenizer: a real byte-level BPE tokenizer.json (GPT-2 pre-tokenizer,
// ignore_merges like Llama-3) whose vocabulary holds every word of the synthetic haystack,
// the prompt template and the fact templates, and every demo key name, as one token each.
// Four-digit values become four tokens (" 4" "7" "1" "9"): a digit merge with the space only.
//
// Why not bytes: an induction head matches on the token before the one it copies. With
// bytes, the token before a value is a space that occurs everywhere, and a 4-layer model
// trained on CPU never formed the circuit. With whole words the match is unique.
#include "headscope/core/demo_corpus.h"
#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"
#include "headscope/core/probe_config.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/pre_tokenizer.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace headscope {

namespace fs = std::filesystem;

namespace {

bool isDigitPiece(const std::string& piece)
{
    std::size_t i = piece.rfind("Ġ", 0) == 0 ? std::string("Ġ").size() : 0;
    if (i == piece.size())
        return false;
    for (; i < piece.size(); ++i)
        if (piece[i] < '0' || piece[i] > '9')
            return false;
    return true;
}

// Every text the demo model is trained or probed on is made of these pieces.
std::string vocabularySourceText()
{
    std::string text = syntheticHaystack(/*seed=*/12345, 1u << 18);
    text += "\n" + std::string(kDiliLazyKVTemplate) + "\n\n";
    for (const std::string& name : demoKeyNames())
        text += name + " " + name + "? " + name + ". ";
    std::mt19937_64 rng(7);
    for (int i = 0; i < 400; ++i) {
        const Needle n = randomDemoNeedle(rng);
        text += n.needle + " " + n.question + "\nAnswer: " + n.answer + "\n";
    }
    return text;
}

} // namespace

void writeDemoTokenizer(const fs::path& dir)
{
    const tok::ByteLevelTable& bytes = tok::ByteLevelTable::instance();
    const nlohmann::json preTokenizer = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    const tok::PreTokenizer pipeline(preTokenizer, "demo tokenizer");

    nlohmann::ordered_json vocab;
    int32_t next = 0;
    auto add = [&](const std::string& piece) {
        if (!vocab.contains(piece))
            vocab[piece] = next++;
    };
    for (int b = 0; b < 256; ++b) // ids 0..255: every byte, so any text still encodes
        add(bytes.encode(std::string(1, static_cast<char>(b))));

    // Digits: one merge per digit, "Ġ" + "d", so " 4719" → " 4" "7" "1" "9". A value is copied
    // digit by digit: ten choices per token, each seen thousands of times in training, which a
    // small model learns to copy far sooner than a hundred rarely seen two-digit pieces.
    nlohmann::ordered_json merges = nlohmann::ordered_json::array();
    const std::string space = bytes.encode(" ");
    for (char a = '0'; a <= '9'; ++a) {
        merges.push_back(space + " " + a);
        add(space + a);
    }

    // Whole words (with and without their leading space), sorted so ids do not depend on
    // the order the source text happens to list them.
    std::set<std::string> words;
    for (const std::string& piece : pipeline.split(vocabularySourceText(), /*atOrigin=*/true))
        if (!isDigitPiece(piece))
            words.insert(piece);
    for (const std::string& name : demoKeyNames()) {
        words.insert(bytes.encode(name));
        words.insert(bytes.encode(" " + name));
    }
    for (const std::string& w : words)
        add(w);

    auto special = [](int32_t id, const char* content) {
        return nlohmann::ordered_json{{"id", id},        {"content", content}, {"single_word", false}, {"lstrip", false},
                                      {"rstrip", false}, {"normalized", false}, {"special", true}};
    };
    nlohmann::ordered_json tok;
    tok["version"] = "1.0";
    tok["truncation"] = nullptr;
    tok["padding"] = nullptr;
    tok["added_tokens"] = {special(next, "<|begin_of_text|>"), special(next + 1, "<|end_of_text|>")};
    tok["normalizer"] = nullptr;
    tok["pre_tokenizer"] = preTokenizer;
    tok["post_processor"] = nullptr;
    tok["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    tok["model"] = {{"type", "BPE"},           {"dropout", nullptr},      {"unk_token", nullptr},
                    {"fuse_unk", false},       {"byte_fallback", false},  {"ignore_merges", true},
                    {"vocab", vocab},          {"merges", merges}};

    std::error_code ec;
    fs::create_directories(dir, ec);
    writeFileReplacing(dir / "tokenizer.json", tok.dump(1) + "\n");
    writeFileReplacing(dir / "tokenizer_config.json",
                       R"({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>", "add_bos_token": true})" "\n");
}

} // namespace headscope
