#pragma once
// Tokenizer's private state, shared by tokenizer.cpp (load, encode, decode),
// special_tokens.cpp (BOS/EOS policy) and chat_template.cpp.
#include "headscope/core/tokenizer.h"

#include "added_vocabulary.h"
#include "bpe_model.h"
#include "decoder.h"
#include "normalizer.h"
#include "pre_tokenizer.h"

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace headscope {

struct Tokenizer::Impl {
    std::string source; // path of tokenizer.json, for messages
    std::string sha;
    tok::BpeModel bpe;
    std::unique_ptr<tok::Normalizer> normalizer;
    std::unique_ptr<tok::PreTokenizer> preTokenizer;
    std::unique_ptr<tok::Decoder> decoder;
    tok::AddedVocabulary added;
    int64_t vocabSize = 0;

    std::optional<int32_t> bos;
    std::vector<int32_t> eos;
    bool addsBos = false;

    ChatTemplate chat = ChatTemplate::Plain;     // what defaultChatTemplate() returns
    std::string chatTemplateSource;              // the checkpoint's Jinja chat template, if any
    std::string chatTemplateOrigin;              // file (and key) it came from
    std::map<std::string, std::string> specialTokenStrings; // bos_token, eos_token, … for templates

    mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

    std::optional<int32_t> idOf(const std::string& token) const;
    void encodeStretch(std::string_view text, bool atOrigin, std::vector<int32_t>& out) const;
    void encodePieces(std::string_view normalized, bool atOrigin, std::vector<int32_t>& out) const;

    // special_tokens.cpp: BOS/EOS and chat template from the post-processor, the family's
    // tokens, tokenizer_config.json and generation_config.json next to tokenizer.json.
    void readSpecialTokens(const nlohmann::json& tokenizerJson, const std::filesystem::path& dir);
};

// Parses a JSON file, refusing anything but a top-level object; errors name the file.
nlohmann::json readJsonObjectFile(const std::filesystem::path& path);

} // namespace headscope
