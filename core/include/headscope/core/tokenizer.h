#pragma once
// Tokenizer: Hugging Face tokenizer.json with the semantics of the tokenizers library —
// added tokens (normalized/special/lstrip/rstrip/single_word), normalizers (NFC, NFD, NFKC,
// NFKD, Lowercase, Strip, StripAccents, Replace, Prepend), pre-tokenizers (Split with every
// behavior, ByteLevel, Metaspace, Digits), BPE with byte fallback, and the decoder chain.
// Anything in the file that is not implemented is refused by name at load time.
// BOS/EOS come from the family's tokens, the post-processor, tokenizer_config.json and
// generation_config.json; the chat template from tokenizer_config.json ("chat_template",
// rendered by a Jinja subset) or a built-in one. Implemented in core/tokenizer/; see
// docs/tokenizers.md.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

// Checkpoint: the chat_template of the checkpoint's tokenizer_config.json (or
// chat_template.jinja), rendered as Hugging Face's apply_chat_template does. The others are
// built-in renderings of one user turn, equal to what each family's own template produces.
enum class ChatTemplate { Plain, Llama3, Mistral, ChatML, Gemma, Phi3, Qwen3, Checkpoint };
// "plain" | "llama3" | "mistral" | "chatml" | "gemma" | "phi3" | "qwen3" | "checkpoint"
std::string_view chatTemplateName(ChatTemplate t);
std::optional<ChatTemplate> chatTemplateFromName(std::string_view name);

// Renders a Jinja chat template (the subset documented in docs/tokenizers.md) with the given
// variables, a JSON object such as {"messages": [...], "add_generation_prompt": true,
// "bos_token": "<s>"}. Throws FormatError for template syntax HeadScope does not implement
// (naming it) and UsageError when the template calls raise_exception.
std::string renderChatTemplate(std::string_view jinjaSource, std::string_view variablesJson);

class Tokenizer {
public:
    // Reads tokenizer.json; tokenizer_config.json, generation_config.json and
    // chat_template.jinja beside it are read when present. Throws LoadError / FormatError
    // naming the file and key.
    static Tokenizer fromFile(const std::filesystem::path& tokenizerJson);
    // Looks for tokenizer.json in a checkpoint directory.
    static Tokenizer fromDirectory(const std::filesystem::path& dir);
    // A checkpoint directory or a tokenizer.json file.
    static Tokenizer fromPath(const std::filesystem::path& path);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // Encodes text. Added tokens written in the text (e.g. "<|eot_id|>") are matched as in
    // Hugging Face. Bytes that are not valid UTF-8 are read as U+FFFD. No BOS is added
    // unless addBos is true.
    std::vector<int32_t> encode(std::string_view text, bool addBos = false) const;
    // Ids without a token are skipped, as Hugging Face does; see checkIds.
    std::string decode(std::span<const int32_t> ids, bool skipSpecialTokens = false) const;
    // Throws UsageError naming the first id that is negative, beyond the vocabulary or
    // without a token, and the vocabulary size.
    void checkIds(std::span<const int32_t> ids) const;

    std::optional<int32_t> tokenToId(std::string_view token) const;
    std::string idToToken(int32_t id) const; // raw vocab piece or added token content
    int64_t vocabSize() const;               // largest id + 1, added tokens included

    std::optional<int32_t> bosId() const;
    std::vector<int32_t> eosIds() const;
    bool addsBosByDefault() const;            // plain (non-chat) prompts start with BOS
    ChatTemplate defaultChatTemplate() const; // Checkpoint when the files carry a template
    std::string sha256() const;               // of tokenizer.json, for session manifests

    // Wraps a single user turn in the template, ending with the assistant prompt (thinking
    // off for Qwen3). The result carries BOS where the family's template does, so chat
    // prompts are encoded without addBos.
    std::string applyChatTemplate(std::string_view userMessage, ChatTemplate t) const;

private:
    Tokenizer();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace headscope
