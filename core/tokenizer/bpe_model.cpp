#include "bpe_model.h"

#include "byte_level.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <queue>

namespace headscope::tok {

namespace {

constexpr int64_t kMaxTokenId = int64_t{1} << 24; // 16.7 M; the largest real vocabularies hold ~260 k

std::string pairKey(std::string_view left, std::string_view right)
{
    std::string key;
    key.reserve(left.size() + right.size() + 1);
    key.append(left);
    key.push_back('\x01');
    key.append(right);
    return key;
}

std::string kindOf(const nlohmann::json& v)
{
    return v.is_string() ? "a string" : v.is_array() ? "an array" : v.is_object() ? "an object" : v.is_null() ? "null" : v.type_name();
}

} // namespace

BpeModel BpeModel::fromJson(const nlohmann::json& model, const std::string& source)
{
    auto fail = [&](const std::string& key, const std::string& what) -> FormatError {
        return FormatError(source + ": key \"" + key + "\": " + what);
    };
    if (!model.is_object())
        throw fail("model", "expected an object, got " + kindOf(model));
    const std::string type = model.contains("type") && model["type"].is_string() ? model["type"].get<std::string>() : "BPE";
    if (type != "BPE")
        throw fail("model.type", "only BPE tokenizers are supported, got \"" + type + "\"");

    BpeModel m;
    if (!model.contains("vocab"))
        throw fail("model.vocab", "missing");
    const auto& vocab = model["vocab"];
    if (!vocab.is_object())
        throw fail("model.vocab", "expected an object mapping each token to its id, got " + kindOf(vocab));
    if (vocab.empty())
        throw fail("model.vocab", "the vocabulary is empty");
    m.vocab.reserve(vocab.size());
    for (const auto& [piece, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxTokenId)
            throw fail("model.vocab[\"" + piece + "\"]", "expected an id in [0, " + std::to_string(kMaxTokenId) + "), got " + id.dump());
        const auto i = static_cast<std::size_t>(id.get<int64_t>());
        if (i >= m.idToPiece.size())
            m.idToPiece.resize(i + 1);
        if (!m.idToPiece[i].empty())
            throw fail("model.vocab[\"" + piece + "\"]", "id " + std::to_string(i) + " is also used by \"" + m.idToPiece[i] + "\"");
        if (piece.empty())
            throw fail("model.vocab", "the empty string is not a valid token (id " + std::to_string(i) + ")");
        m.idToPiece[i] = piece;
        m.vocab.emplace(piece, static_cast<int32_t>(i));
    }

    auto optionalString = [&](const char* key) -> std::string {
        if (!model.contains(key) || model[key].is_null())
            return {};
        if (!model[key].is_string())
            throw fail(std::string("model.") + key, "expected a string or null, got " + kindOf(model[key]));
        return model[key].get<std::string>();
    };
    if (model.contains("dropout") && !model["dropout"].is_null() &&
        !(model["dropout"].is_number() && model["dropout"].get<double>() == 0.0))
        throw fail("model.dropout", "BPE dropout is not implemented (HeadScope encodes deterministically), got " + model["dropout"].dump());
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (!optionalString(key).empty())
            throw fail(std::string("model.") + key, "\"" + optionalString(key) + "\" is not implemented");
    auto flag = [&](const char* key) {
        if (!model.contains(key) || model[key].is_null())
            return false;
        if (!model[key].is_boolean())
            throw fail(std::string("model.") + key, "expected true or false, got " + model[key].dump());
        return model[key].get<bool>();
    };
    m.byteFallback = flag("byte_fallback");
    m.ignoreMerges = flag("ignore_merges");
    m.fuseUnk = flag("fuse_unk");
    if (const std::string unk = optionalString("unk_token"); !unk.empty()) {
        auto it = m.vocab.find(unk);
        if (it == m.vocab.end())
            throw fail("model.unk_token", "\"" + unk + "\" is not in model.vocab");
        m.unkId = it->second;
    }

    const nlohmann::json noMerges = nlohmann::json::array();
    const auto& merges = model.contains("merges") ? model["merges"] : noMerges;
    if (!merges.is_array())
        throw fail("model.merges", "expected an array of \"a b\" strings or [\"a\", \"b\"] pairs, got " + kindOf(merges));
    m.mergeRank.reserve(merges.size());
    int32_t rank = 0;
    for (std::size_t k = 0; k < merges.size(); ++k) {
        const auto& entry = merges[k];
        std::string left, right;
        if (entry.is_string()) {
            const std::string s = entry.get<std::string>();
            if (s.rfind("#version", 0) == 0)
                continue; // a merges.txt header carried over, skipped as Hugging Face does
            const auto space = s.find(' ');
            if (space == std::string::npos || space == 0 || space + 1 == s.size() || s.find(' ', space + 1) != std::string::npos)
                throw fail("model.merges[" + std::to_string(k) + "]", "\"" + s + "\" is not two tokens separated by one space");
            left = s.substr(0, space);
            right = s.substr(space + 1);
        } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
            left = entry[0].get<std::string>();
            right = entry[1].get<std::string>();
        } else {
            throw fail("model.merges[" + std::to_string(k) + "]",
                       "expected an \"a b\" string or an [\"a\", \"b\"] pair, got " + entry.dump().substr(0, 80));
        }
        for (const std::string& token : {left, right, left + right}) {
            if (!m.vocab.count(token))
                throw fail("model.merges[" + std::to_string(k) + "]", "\"" + token + "\" is not in model.vocab");
        }
        m.mergeRank.insert_or_assign(pairKey(left, right), rank++); // a repeated merge keeps its last rank
    }
    return m;
}

int32_t BpeModel::rankOf(std::string_view left, std::string_view right) const
{
    auto it = mergeRank.find(pairKey(left, right));
    return it == mergeRank.end() ? -1 : it->second;
}

void BpeModel::encodePiece(std::string_view piece, std::vector<int32_t>& out) const
{
    if (piece.empty())
        return;
    if (ignoreMerges) {
        if (auto it = vocab.find(std::string(piece)); it != vocab.end()) {
            out.push_back(it->second);
            return;
        }
    }
    // Symbols start as single code points; merged symbols are spans [start, start+len).
    struct Symbol {
        std::size_t start, len;
        int prev, next;
        bool alive;
    };
    std::vector<Symbol> sym;
    for (std::size_t i = 0; i < piece.size();) {
        const std::size_t s = i;
        nextCodepoint(piece, i);
        sym.push_back({s, i - s, static_cast<int>(sym.size()) - 1, static_cast<int>(sym.size()) + 1, true});
    }
    sym.back().next = -1;
    struct Candidate {
        int32_t rank;
        int left;
        std::size_t leftLen, rightLen;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
    auto view = [&](int i) { return piece.substr(sym[static_cast<std::size_t>(i)].start, sym[static_cast<std::size_t>(i)].len); };
    auto push = [&](int left) {
        const int right = sym[static_cast<std::size_t>(left)].next;
        if (right < 0)
            return;
        const int32_t r = rankOf(view(left), view(right));
        if (r >= 0)
            heap.push({r, left, sym[static_cast<std::size_t>(left)].len, sym[static_cast<std::size_t>(right)].len});
    };
    for (int i = 0; i + 1 < static_cast<int>(sym.size()); ++i)
        push(i);
    while (!heap.empty()) {
        const Candidate c = heap.top();
        heap.pop();
        Symbol& l = sym[static_cast<std::size_t>(c.left)];
        if (!l.alive || l.next < 0 || l.len != c.leftLen)
            continue; // stale: the left symbol changed since this pair was queued
        Symbol& r = sym[static_cast<std::size_t>(l.next)];
        if (!r.alive || r.len != c.rightLen)
            continue;
        l.len += r.len;
        r.alive = false;
        l.next = r.next;
        if (r.next >= 0)
            sym[static_cast<std::size_t>(r.next)].prev = c.left;
        if (l.prev >= 0)
            push(l.prev);
        push(c.left);
    }
    // Symbols not in the vocab (only ever single characters: merges produce vocab tokens)
    // become byte tokens <0xNN> with byte_fallback, else unk (consecutive ones fused with
    // fuse_unk), else nothing — as in Hugging Face's BPE.
    bool lastWasUnk = false;
    for (int i = 0; i >= 0; i = sym[static_cast<std::size_t>(i)].next) {
        const std::string_view s = view(i);
        if (auto it = vocab.find(std::string(s)); it != vocab.end()) {
            out.push_back(it->second);
            lastWasUnk = false;
            continue;
        }
        if (byteFallback) {
            static const char* hex = "0123456789ABCDEF";
            std::vector<int32_t> bytes;
            for (char c : s) {
                const auto b = static_cast<unsigned char>(c);
                auto it = vocab.find(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">");
                if (it == vocab.end())
                    break;
                bytes.push_back(it->second);
            }
            if (bytes.size() == s.size()) {
                out.insert(out.end(), bytes.begin(), bytes.end());
                lastWasUnk = false;
                continue;
            }
        }
        if (unkId >= 0 && !(fuseUnk && lastWasUnk)) {
            out.push_back(unkId);
            lastWasUnk = true;
        }
    }
}

} // namespace headscope::tok
