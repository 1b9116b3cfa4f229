// Tokenizer: tokenizer.json → added-token split → normalizer → pre-tokenizer → BPE, and back.
// The BOS policy is per model family (docs/tokenizers.md "BOS policy"), not read from the file's
// post-processor, because the published Llama-3 file adds no BOS although the model expects it.
#include "headscope/core/tokenizer.h"

#include "bpe_model.h"
#include "byte_level.h"
#include "pre_tokenizer.h"

#include "headscope/core/errors.h"
#include "headscope/core/sha256.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace headscope {

namespace fs = std::filesystem;

std::string_view chatTemplateName(ChatTemplate t)
{
    switch (t) {
    case ChatTemplate::Plain: return "plain";
    case ChatTemplate::Llama3: return "llama3";
    case ChatTemplate::Mistral: return "mistral";
    case ChatTemplate::ChatML: return "chatml";
    }
    return "plain";
}

std::optional<ChatTemplate> chatTemplateFromName(std::string_view name)
{
    for (ChatTemplate t : {ChatTemplate::Plain, ChatTemplate::Llama3, ChatTemplate::Mistral, ChatTemplate::ChatML})
        if (chatTemplateName(t) == name)
            return t;
    return std::nullopt;
}

struct AddedToken {
    std::string content;
    int32_t id;
    bool special;
};

struct Tokenizer::Impl {
    std::string source;
    std::string sha;
    tok::BpeModel bpe;
    std::unique_ptr<tok::TextPipeline> pipeline;
    std::vector<AddedToken> added;                           // longest first
    std::unordered_map<int32_t, const AddedToken*> addedById;
    bool sentencePieceDecoder = false;                       // Replace ▁ + ByteFallback + Strip
    std::optional<int32_t> bos;
    std::vector<int32_t> eos;
    bool addsBos = false;
    ChatTemplate chat = ChatTemplate::Plain;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

    void encodeText(std::string_view text, std::vector<int32_t>& out) const;
};

Tokenizer::Tokenizer() : m_impl(std::make_unique<Impl>()) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

namespace {

nlohmann::json readJson(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw LoadError(path.string() + ": cannot open");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(path.string() + ": not valid JSON: " + e.what());
    }
}

std::string tokenContent(const nlohmann::json& v)
{
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return {};
}

} // namespace

Tokenizer Tokenizer::fromDirectory(const fs::path& dir)
{
    return fromFile(dir / "tokenizer.json");
}

Tokenizer Tokenizer::fromFile(const fs::path& path)
{
    const nlohmann::json j = readJson(path);
    Tokenizer t;
    Impl& d = *t.m_impl;
    d.source = path.string();
    d.sha = sha256FileHex(path);
    try {
        const auto& model = j.at("model");
        const std::string type = model.value("type", std::string("BPE"));
        if (type != "BPE")
            throw FormatError(d.source + ": key \"model.type\": only BPE tokenizers are supported, got \"" + type + "\"");
        for (const auto& [piece, id] : model.at("vocab").items()) {
            const auto i = id.get<int32_t>();
            d.bpe.vocab.emplace(piece, i);
            if (static_cast<std::size_t>(i) >= d.bpe.idToPiece.size())
                d.bpe.idToPiece.resize(static_cast<std::size_t>(i) + 1);
            d.bpe.idToPiece[static_cast<std::size_t>(i)] = piece;
        }
        int32_t rank = 0;
        for (const auto& m : model.value("merges", nlohmann::json::array())) {
            if (m.is_string()) {
                const std::string s = m.get<std::string>();
                const auto space = s.find(' ', 1);
                if (space == std::string::npos)
                    throw FormatError(d.source + ": merge \"" + s + "\" is not \"left right\"");
                d.bpe.addMerge(s.substr(0, space), s.substr(space + 1), rank++);
            } else if (m.is_array() && m.size() == 2) {
                d.bpe.addMerge(m[0].get<std::string>(), m[1].get<std::string>(), rank++);
            } else {
                throw FormatError(d.source + ": merges must be \"a b\" strings or [\"a\",\"b\"] pairs, got " + m.dump());
            }
        }
        d.bpe.byteFallback = model.value("byte_fallback", false);
        d.bpe.ignoreMerges = model.value("ignore_merges", false);
        d.bpe.fuseUnk = model.value("fuse_unk", false);
        if (model.contains("unk_token") && model["unk_token"].is_string())
            if (auto it = d.bpe.vocab.find(model["unk_token"].get<std::string>()); it != d.bpe.vocab.end())
                d.bpe.unkId = it->second;
        d.pipeline = std::make_unique<tok::TextPipeline>(j.value("normalizer", nlohmann::json()),
                                                         j.value("pre_tokenizer", nlohmann::json()), d.source);
        for (const auto& a : j.value("added_tokens", nlohmann::json::array())) {
            AddedToken at{a.at("content").get<std::string>(), a.at("id").get<int32_t>(), a.value("special", false)};
            if (static_cast<std::size_t>(at.id) >= d.bpe.idToPiece.size())
                d.bpe.idToPiece.resize(static_cast<std::size_t>(at.id) + 1);
            d.bpe.idToPiece[static_cast<std::size_t>(at.id)] = at.content;
            d.added.push_back(std::move(at));
        }
        const auto& dec = j.value("decoder", nlohmann::json());
        d.sentencePieceDecoder = !dec.is_null() && dec.value("type", std::string()) == "Sequence";
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(d.source + ": unexpected structure: " + e.what());
    }
    std::sort(d.added.begin(), d.added.end(), [](const AddedToken& a, const AddedToken& b) {
        return a.content.size() > b.content.size();
    });
    for (const AddedToken& a : d.added)
        d.addedById[a.id] = &a;

    // Family policy: Llama-3 and Mistral/Llama-2 checkpoints expect BOS; Qwen has none.
    auto find = [&](const std::string& s) -> std::optional<int32_t> {
        if (auto it = d.bpe.vocab.find(s); it != d.bpe.vocab.end())
            return it->second;
        for (const AddedToken& a : d.added)
            if (a.content == s)
                return a.id;
        return std::nullopt;
    };
    if (auto b = find("<|begin_of_text|>")) {
        d.bos = b;
        d.addsBos = true;
        d.chat = ChatTemplate::Llama3;
        for (const char* e : {"<|end_of_text|>", "<|eot_id|>"})
            if (auto id = find(e))
                d.eos.push_back(*id);
    } else if (auto im = find("<|im_start|>")) {
        d.chat = ChatTemplate::ChatML;
        for (const char* e : {"<|im_end|>", "<|endoftext|>"})
            if (auto id = find(e))
                d.eos.push_back(*id);
    } else if (auto s = find("<s>")) {
        d.bos = s;
        d.addsBos = true;
        d.chat = ChatTemplate::Mistral;
        if (auto id = find("</s>"))
            d.eos.push_back(*id);
    }
    // tokenizer_config.json, when present, has the last word on BOS/EOS.
    const fs::path cfgPath = path.parent_path() / "tokenizer_config.json";
    std::error_code ec;
    if (fs::exists(cfgPath, ec)) {
        const nlohmann::json cfg = readJson(cfgPath);
        if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean())
            d.addsBos = cfg["add_bos_token"].get<bool>();
        if (cfg.contains("bos_token")) {
            const std::string b = tokenContent(cfg["bos_token"]);
            d.bos = b.empty() ? std::nullopt : find(b);
            if (!d.bos)
                d.addsBos = false;
        }
        if (auto e = find(tokenContent(cfg.value("eos_token", nlohmann::json()))))
            if (std::find(d.eos.begin(), d.eos.end(), *e) == d.eos.end())
                d.eos.insert(d.eos.begin(), *e);
    }
    return t;
}

void Tokenizer::Impl::encodeText(std::string_view text, std::vector<int32_t>& out) const
{
    if (text.empty())
        return;
    const std::string normalized = pipeline->normalize(text);
    for (const std::string& piece : pipeline->preTokenize(normalized)) {
        if (auto it = cache.find(piece); it != cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            continue;
        }
        std::vector<int32_t> ids;
        bpe.encodePiece(piece, ids);
        out.insert(out.end(), ids.begin(), ids.end());
        if (piece.size() < 64 && cache.size() < 200000)
            cache.emplace(piece, std::move(ids));
    }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addBos) const
{
    std::vector<int32_t> out;
    if (addBos && m_impl->bos)
        out.push_back(*m_impl->bos);
    std::size_t segmentStart = 0, i = 0;
    while (i < text.size()) {
        const AddedToken* hit = nullptr;
        for (const AddedToken& a : m_impl->added) {
            if (a.content.size() <= text.size() - i && text.compare(i, a.content.size(), a.content) == 0) {
                hit = &a;
                break;
            }
        }
        if (!hit) {
            ++i;
            continue;
        }
        m_impl->encodeText(text.substr(segmentStart, i - segmentStart), out);
        out.push_back(hit->id);
        i += hit->content.size();
        segmentStart = i;
    }
    m_impl->encodeText(text.substr(segmentStart), out);
    return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skipSpecialTokens) const
{
    const Impl& d = *m_impl;
    std::string out, pending; // pending: BPE pieces not yet decoded
    auto flush = [&] {
        if (pending.empty())
            return;
        if (d.pipeline->byteLevel()) {
            out += tok::ByteLevelTable::instance().decode(pending);
        } else {
            std::string s;
            for (std::size_t k = 0; k < pending.size();) {
                if (pending.compare(k, 3, "\xe2\x96\x81") == 0) { // "▁"
                    s.push_back(' ');
                    k += 3;
                } else {
                    s.push_back(pending[k++]);
                }
            }
            out += s;
        }
        pending.clear();
    };
    for (int32_t id : ids) {
        if (auto it = d.addedById.find(id); it != d.addedById.end()) {
            flush();
            if (!(skipSpecialTokens && it->second->special))
                out += it->second->content;
            continue;
        }
        if (id < 0 || static_cast<std::size_t>(id) >= d.bpe.idToPiece.size())
            continue;
        const std::string& piece = d.bpe.idToPiece[static_cast<std::size_t>(id)];
        if (d.bpe.byteFallback && piece.size() == 6 && piece.rfind("<0x", 0) == 0 && piece.back() == '>') {
            pending.push_back(static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
            continue;
        }
        pending += piece;
    }
    flush();
    if (d.sentencePieceDecoder && !out.empty() && out.front() == ' ')
        out.erase(0, 1);
    return out;
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const
{
    if (auto it = m_impl->bpe.vocab.find(std::string(token)); it != m_impl->bpe.vocab.end())
        return it->second;
    for (const AddedToken& a : m_impl->added)
        if (a.content == token)
            return a.id;
    return std::nullopt;
}

std::string Tokenizer::idToToken(int32_t id) const
{
    const auto& pieces = m_impl->bpe.idToPiece;
    return id >= 0 && static_cast<std::size_t>(id) < pieces.size() ? pieces[static_cast<std::size_t>(id)] : std::string();
}

int64_t Tokenizer::vocabSize() const
{
    return static_cast<int64_t>(m_impl->bpe.idToPiece.size());
}

std::optional<int32_t> Tokenizer::bosId() const
{
    return m_impl->bos;
}

std::vector<int32_t> Tokenizer::eosIds() const
{
    return m_impl->eos;
}

bool Tokenizer::addsBosByDefault() const
{
    return m_impl->addsBos;
}

ChatTemplate Tokenizer::defaultChatTemplate() const
{
    return m_impl->chat;
}

std::string Tokenizer::sha256() const
{
    return m_impl->sha;
}

std::string Tokenizer::applyChatTemplate(std::string_view user, ChatTemplate t) const
{
    const std::string msg(user);
    switch (t) {
    case ChatTemplate::Llama3:
        return "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n" + msg +
               "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    case ChatTemplate::Mistral: return "[INST] " + msg + " [/INST]";
    case ChatTemplate::ChatML: return "<|im_start|>user\n" + msg + "<|im_end|>\n<|im_start|>assistant\n";
    case ChatTemplate::Plain: return msg;
    }
    return msg;
}

} // namespace headscope
