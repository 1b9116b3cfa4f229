#pragma once
// The BPE model of a tokenizer.json: vocab, merge ranks, and the merge loop. The loop is a
// linked list of symbols plus a min-heap of candidate pairs, O(n log n) in the piece length,
// so a SentencePiece-style tokenizer (no pre-tokenizer: the whole text is one piece) stays
// fast on 100 KB haystacks.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace headscope::tok {

class BpeModel {
public:
    // Reads and checks "model": type BPE; vocab a non-empty object of token → id (0 ≤ id < 2^24,
    // no id used twice); merges "a b" strings or ["a", "b"] pairs whose parts and result are in
    // the vocab; unk_token in the vocab; options HeadScope does not implement (dropout,
    // continuing_subword_prefix, end_of_word_suffix) refused. Errors name `source` and the key.
    static BpeModel fromJson(const nlohmann::json& model, const std::string& source);

    std::unordered_map<std::string, int32_t> vocab;
    std::vector<std::string> idToPiece;                 // "" where the vocab has no id
    std::unordered_map<std::string, int32_t> mergeRank; // "left\x01right" → rank
    bool byteFallback = false;
    bool ignoreMerges = false;
    int32_t unkId = -1;
    bool fuseUnk = false;

    // Token ids of one pre-tokenized piece (already normalized / byte-level mapped).
    void encodePiece(std::string_view piece, std::vector<int32_t>& out) const;

private:
    int32_t rankOf(std::string_view left, std::string_view right) const;
};

} // namespace headscope::tok
