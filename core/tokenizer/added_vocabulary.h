#pragma once
// tokenizer.json's "added_tokens", matched the way Hugging Face's AddedVocabulary does:
// tokens with normalized = false are found in the raw text first, those with normalized = true
// in each normalized stretch after; leftmost-longest, non-overlapping; single_word, lstrip and
// rstrip honoured. A byte trie keeps matching linear in the text even with thousands of added
// tokens (Gemma-3 has 6 415).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace headscope::tok {

class Normalizer;

struct AddedToken {
    std::string content;
    int32_t id = 0;
    bool special = false;
    bool normalized = false;
    bool lstrip = false;
    bool rstrip = false;
    bool singleWord = false;
};

class AddedVocabulary {
public:
    struct Segment {
        std::size_t start, end;
        int token; // index into tokens(), or -1 for text between added tokens
    };

    // Builds the two tries; normalized tokens are matched by their normalized content.
    void build(std::vector<AddedToken> tokens, const Normalizer& normalizer);
    // Splits `text` into added tokens and the stretches between them (empty stretches omitted).
    std::vector<Segment> split(std::string_view text, bool normalizedTokens) const;

    const std::vector<AddedToken>& tokens() const { return m_tokens; }
    const AddedToken* byId(int32_t id) const;
    const AddedToken* byContent(std::string_view content) const;

private:
    struct Trie {
        std::unordered_map<uint64_t, int> edges; // node * 256 + byte → child node
        std::vector<int> terminal{-1};           // node → token index, or -1
        bool empty() const { return terminal.size() == 1; }
        void insert(std::string_view key, int token);
        // Longest token starting at text[pos]: its index and length, or index -1.
        std::pair<int, std::size_t> longestAt(std::string_view text, std::size_t pos) const;
    };
    std::vector<AddedToken> m_tokens;
    Trie m_raw, m_normalized;
    std::unordered_map<int32_t, std::size_t> m_byId;
    std::unordered_map<std::string, std::size_t> m_byContent;
};

} // namespace headscope::tok
