#include "added_vocabulary.h"

#include "byte_level.h"
#include "normalizer.h"
#include "unicode_text.h"

namespace headscope::tok {

namespace {

uint32_t lastCodepoint(std::string_view s, std::size_t end, std::size_t& start)
{
    start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80)
        --start;
    std::size_t i = start;
    return nextCodepoint(s, i);
}

} // namespace

void AddedVocabulary::Trie::insert(std::string_view key, int token)
{
    int node = 0;
    for (char c : key) {
        const uint64_t edge = static_cast<uint64_t>(node) * 256 + static_cast<unsigned char>(c);
        auto it = edges.find(edge);
        if (it == edges.end()) {
            const int child = static_cast<int>(terminal.size());
            terminal.push_back(-1);
            it = edges.emplace(edge, child).first;
        }
        node = it->second;
    }
    if (terminal[static_cast<std::size_t>(node)] < 0) // the first token with this content wins
        terminal[static_cast<std::size_t>(node)] = token;
}

std::pair<int, std::size_t> AddedVocabulary::Trie::longestAt(std::string_view text, std::size_t pos) const
{
    int node = 0, best = -1;
    std::size_t bestLen = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
        auto it = edges.find(static_cast<uint64_t>(node) * 256 + static_cast<unsigned char>(text[i]));
        if (it == edges.end())
            break;
        node = it->second;
        if (terminal[static_cast<std::size_t>(node)] >= 0) {
            best = terminal[static_cast<std::size_t>(node)];
            bestLen = i + 1 - pos;
        }
    }
    return {best, bestLen};
}

void AddedVocabulary::build(std::vector<AddedToken> tokens, const Normalizer& normalizer)
{
    m_tokens = std::move(tokens);
    for (std::size_t k = 0; k < m_tokens.size(); ++k) {
        const AddedToken& t = m_tokens[k];
        m_byId.emplace(t.id, k);
        m_byContent.emplace(t.content, k);
        if (t.content.empty())
            continue;
        if (t.normalized) {
            const std::string key = normalizer.normalize(toValidUtf8(t.content));
            if (!key.empty())
                m_normalized.insert(key, static_cast<int>(k));
        } else {
            m_raw.insert(t.content, static_cast<int>(k));
        }
    }
}

const AddedToken* AddedVocabulary::byId(int32_t id) const
{
    auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[it->second];
}

const AddedToken* AddedVocabulary::byContent(std::string_view content) const
{
    auto it = m_byContent.find(std::string(content));
    return it == m_byContent.end() ? nullptr : &m_tokens[it->second];
}

std::vector<AddedVocabulary::Segment> AddedVocabulary::split(std::string_view text, bool normalizedTokens) const
{
    const Trie& trie = normalizedTokens ? m_normalized : m_raw;
    std::vector<Segment> out;
    if (trie.empty()) {
        if (!text.empty())
            out.push_back({0, text.size(), -1});
        return out;
    }
    std::size_t emitted = 0; // end of what has been assigned to a segment
    for (std::size_t pos = 0; pos < text.size();) {
        const auto [token, len] = trie.longestAt(text, pos);
        if (token < 0) {
            ++pos;
            continue;
        }
        const AddedToken& t = m_tokens[static_cast<std::size_t>(token)];
        std::size_t start = pos, stop = pos + len;
        pos = stop; // matches never overlap, also when one is discarded below
        if (t.singleWord) {
            std::size_t before = 0, after = stop;
            const bool wordBefore = start > 0 && isWordChar(lastCodepoint(text, start, before));
            const bool wordAfter = stop < text.size() && isWordChar(nextCodepoint(text, after));
            if (wordBefore || wordAfter)
                continue;
        }
        if (t.lstrip) {
            while (start > emitted) {
                std::size_t prev = 0;
                if (!isWhiteSpace(lastCodepoint(text, start, prev)))
                    break;
                start = prev;
            }
        }
        if (t.rstrip) {
            while (stop < text.size()) {
                std::size_t next = stop;
                if (!isWhiteSpace(nextCodepoint(text, next)))
                    break;
                stop = next;
            }
            pos = stop;
        }
        if (emitted < start)
            out.push_back({emitted, start, -1});
        out.push_back({start, stop, token});
        emitted = stop;
    }
    if (emitted < text.size())
        out.push_back({emitted, text.size(), -1});
    return out;
}

} // namespace headscope::tok
