// Tokenizer: tokenizer.json → added tokens → normalizer → pre-tokenizer → BPE, and back
// through the decoder, with Hugging Face tokenizers' semantics at every step
// (docs/tokenizers.md). Everything the file asks for is either implemented or refused by name.
#include "tokenizer_impl.h"

#include "byte_level.h"
#include "unicode_text.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/sha256.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace headscope {

namespace fs = std::filesystem;

Tokenizer::Tokenizer() : m_impl(std::make_unique<Impl>()) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

nlohmann::json readJsonObjectFile(const fs::path& path)
{
    return json_input::readObjectFile(path, path.filename().string());
}

namespace {

std::vector<tok::AddedToken> readAddedTokens(const nlohmann::json& j, const std::string& source)
{
    std::vector<tok::AddedToken> out;
    if (!j.contains("added_tokens") || j["added_tokens"].is_null())
        return out;
    const auto& list = j["added_tokens"];
    if (!list.is_array())
        throw FormatError(source + ": key \"added_tokens\": expected an array, got " + std::string(list.type_name()));
    for (std::size_t k = 0; k < list.size(); ++k) {
        const auto& a = list[k];
        const std::string key = "added_tokens[" + std::to_string(k) + "]";
        if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id") ||
            !a["id"].is_number_integer() || a["id"].get<int64_t>() < 0 || a["id"].get<int64_t>() >= (int64_t{1} << 24))
            throw FormatError(source + ": key \"" + key + "\": expected {\"id\": id ≥ 0, \"content\": string, …}, got " +
                              a.dump().substr(0, 120));
        tok::AddedToken t;
        t.content = a["content"].get<std::string>();
        if (t.content.empty())
            throw FormatError(source + ": key \"" + key + ".content\": an added token cannot be empty");
        t.id = static_cast<int32_t>(a["id"].get<int64_t>());
        auto flag = [&](const char* f, bool fallback) { return a.contains(f) && a[f].is_boolean() ? a[f].get<bool>() : fallback; };
        t.special = flag("special", false);
        t.normalized = flag("normalized", !t.special); // Hugging Face's default
        t.lstrip = flag("lstrip", false);
        t.rstrip = flag("rstrip", false);
        t.singleWord = flag("single_word", false);
        out.push_back(std::move(t));
    }
    return out;
}

// A byte-level pre-tokenizer turns every byte into one of 256 symbols; a vocab missing any of
// them would silently drop that byte from the ids (and the model would never see it).
void checkByteLevelAlphabet(const tok::BpeModel& bpe, const std::string& source)
{
    const tok::ByteLevelTable& table = tok::ByteLevelTable::instance();
    for (int b = 0; b < 256; ++b) {
        const std::string& symbol = table.symbol(static_cast<uint8_t>(b));
        if (!bpe.vocab.count(symbol) && bpe.unkId < 0) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02X", b);
            throw FormatError(source + ": key \"model.vocab\": the pre-tokenizer is byte-level but the vocab has no \"" + symbol +
                              "\" (byte " + hex + (b == ' ' ? ", the byte-level space" : "") +
                              "), so that byte could not be encoded");
        }
    }
}

void checkByteFallbackAlphabet(const tok::BpeModel& bpe, const std::string& source)
{
    if (!bpe.byteFallback || bpe.unkId >= 0)
        return;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        if (!bpe.vocab.count(name))
            throw FormatError(source + ": key \"model.byte_fallback\": true, but the vocab has no \"" + std::string(name) +
                              "\" and no unk_token to fall back to");
    }
}

} // namespace

Tokenizer Tokenizer::fromDirectory(const fs::path& dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        if (!fs::exists(dir, ec))
            throw LoadError(dir.string() + ": no such directory");
        throw LoadError(dir.string() + ": is not a directory (expected a checkpoint directory holding tokenizer.json)");
    }
    const fs::path file = dir / "tokenizer.json";
    if (!fs::exists(file, ec))
        throw LoadError(dir.string() + ": no tokenizer.json in this directory");
    return fromFile(file);
}

Tokenizer Tokenizer::fromPath(const fs::path& path)
{
    std::error_code ec;
    return fs::is_directory(path, ec) ? fromDirectory(path) : fromFile(path);
}

Tokenizer Tokenizer::fromFile(const fs::path& path)
{
    const nlohmann::json j = readJsonObjectFile(path);
    Tokenizer t;
    Impl& d = *t.m_impl;
    d.source = path.string();
    d.sha = sha256FileHex(path);
    try {
        if (!j.contains("model"))
            throw FormatError(d.source + ": key \"model\" is missing");
        d.bpe = tok::BpeModel::fromJson(j["model"], d.source);
        auto part = [&](const char* key) { return j.contains(key) ? j[key] : nlohmann::json(); };
        d.normalizer = std::make_unique<tok::Normalizer>(part("normalizer"), d.source);
        d.preTokenizer = std::make_unique<tok::PreTokenizer>(part("pre_tokenizer"), d.source);
        d.decoder = std::make_unique<tok::Decoder>(part("decoder"), d.source);
        if (d.preTokenizer->byteLevel())
            checkByteLevelAlphabet(d.bpe, d.source);
        checkByteFallbackAlphabet(d.bpe, d.source);
        d.added.build(readAddedTokens(j, d.source), *d.normalizer);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(d.source + ": unexpected structure: " + e.what());
    }
    d.vocabSize = static_cast<int64_t>(d.bpe.idToPiece.size());
    for (const tok::AddedToken& a : d.added.tokens())
        d.vocabSize = std::max<int64_t>(d.vocabSize, int64_t{a.id} + 1);
    d.readSpecialTokens(j, path.parent_path());
    return t;
}

std::optional<int32_t> Tokenizer::Impl::idOf(const std::string& token) const
{
    if (const tok::AddedToken* a = added.byContent(token))
        return a->id;
    if (auto it = bpe.vocab.find(token); it != bpe.vocab.end())
        return it->second;
    return std::nullopt;
}

void Tokenizer::Impl::encodePieces(std::string_view normalized, bool atOrigin, std::vector<int32_t>& out) const
{
    for (const std::string& piece : preTokenizer->split(normalized, atOrigin)) {
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

// One stretch of raw text between non-normalized added tokens: normalized as a whole, then
// split again on normalized added tokens, then pre-tokenized.
void Tokenizer::Impl::encodeStretch(std::string_view text, bool atOrigin, std::vector<int32_t>& out) const
{
    const std::string normalized = normalizer->normalize(text);
    for (const auto& seg : added.split(normalized, /*normalizedTokens=*/true)) {
        if (seg.token >= 0)
            out.push_back(added.tokens()[static_cast<std::size_t>(seg.token)].id);
        else
            encodePieces(std::string_view(normalized).substr(seg.start, seg.end - seg.start), atOrigin && seg.start == 0, out);
    }
}

std::vector<int32_t> Tokenizer::encode(std::string_view input, bool addBos) const
{
    const Impl& d = *m_impl;
    const std::string text = tok::toValidUtf8(input); // invalid bytes become U+FFFD, as Python's str would hold them
    std::vector<int32_t> out;
    if (addBos && d.bos)
        out.push_back(*d.bos);
    for (const auto& seg : d.added.split(text, /*normalizedTokens=*/false)) {
        if (seg.token >= 0)
            out.push_back(d.added.tokens()[static_cast<std::size_t>(seg.token)].id);
        else
            d.encodeStretch(std::string_view(text).substr(seg.start, seg.end - seg.start), seg.start == 0, out);
    }
    return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skipSpecialTokens) const
{
    const Impl& d = *m_impl;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        if (const tok::AddedToken* a = d.added.byId(id)) {
            if (!(skipSpecialTokens && a->special))
                tokens.push_back(a->content);
            continue;
        }
        // Ids without a token are dropped, as Hugging Face does; callers that take ids from a
        // user check them first with checkIds().
        if (id >= 0 && static_cast<std::size_t>(id) < d.bpe.idToPiece.size() && !d.bpe.idToPiece[static_cast<std::size_t>(id)].empty())
            tokens.push_back(d.bpe.idToPiece[static_cast<std::size_t>(id)]);
    }
    return d.decoder->decode(std::move(tokens));
}

void Tokenizer::checkIds(std::span<const int32_t> ids) const
{
    const Impl& d = *m_impl;
    for (int32_t id : ids) {
        const bool known = d.added.byId(id) ||
                           (id >= 0 && static_cast<std::size_t>(id) < d.bpe.idToPiece.size() &&
                            !d.bpe.idToPiece[static_cast<std::size_t>(id)].empty());
        if (known)
            continue;
        if (id < 0 || id >= d.vocabSize)
            throw UsageError("token id " + std::to_string(id) + " is outside the vocabulary of " + d.source + " (ids 0.." +
                             std::to_string(d.vocabSize - 1) + ", vocab size " + std::to_string(d.vocabSize) + ")");
        throw UsageError("token id " + std::to_string(id) + " has no token in " + d.source + " (vocab size " +
                         std::to_string(d.vocabSize) + ")");
    }
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const
{
    return m_impl->idOf(std::string(token));
}

std::string Tokenizer::idToToken(int32_t id) const
{
    if (const tok::AddedToken* a = m_impl->added.byId(id))
        return a->content;
    const auto& pieces = m_impl->bpe.idToPiece;
    return id >= 0 && static_cast<std::size_t>(id) < pieces.size() ? pieces[static_cast<std::size_t>(id)] : std::string();
}

int64_t Tokenizer::vocabSize() const
{
    return m_impl->vocabSize;
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

} // namespace headscope
