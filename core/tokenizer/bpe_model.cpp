#include "bpe_model.h"

#include "byte_level.h"

#include <queue>

namespace headscope::tok {

namespace {
std::string pairKey(std::string_view left, std::string_view right)
{
    std::string key;
    key.reserve(left.size() + right.size() + 1);
    key.append(left);
    key.push_back('\x01');
    key.append(right);
    return key;
}
} // namespace

void BpeModel::addMerge(const std::string& left, const std::string& right, int32_t rank)
{
    mergeRank.emplace(pairKey(left, right), rank);
}

int32_t BpeModel::rankOf(std::string_view left, std::string_view right) const
{
    auto it = mergeRank.find(pairKey(left, right));
    return it == mergeRank.end() ? -1 : it->second;
}

void BpeModel::emitSymbol(std::string_view symbol, std::vector<int32_t>& out) const
{
    if (auto it = vocab.find(std::string(symbol)); it != vocab.end()) {
        out.push_back(it->second);
        return;
    }
    if (byteFallback) {
        static const char* hex = "0123456789ABCDEF";
        for (char c : symbol) {
            const auto b = static_cast<unsigned char>(c);
            const std::string name = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
            if (auto it = vocab.find(name); it != vocab.end())
                out.push_back(it->second);
            else if (unkId >= 0)
                out.push_back(unkId);
        }
        return;
    }
    if (unkId >= 0 && !(fuseUnk && !out.empty() && out.back() == unkId))
        out.push_back(unkId);
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
    for (int i = 0; i >= 0; i = sym[static_cast<std::size_t>(i)].next)
        emitSymbol(view(i), out);
}

} // namespace headscope::tok
