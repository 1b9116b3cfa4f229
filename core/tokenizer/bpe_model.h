#pragma once
// The BPE model of a tokenizer.json: vocab, merge ranks, and the merge loop. The loop is a
// linked list of symbols plus a min-heap of candidate pairs, O(n log n) in the piece length,
// so a SentencePiece-style tokenizer (no pre-tokenizer: the whole text is one piece) stays
// fast on 100 KB haystacks.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace headscope::tok {

class BpeModel {
public:
    std::unordered_map<std::string, int32_t> vocab;
    std::vector<std::string> idToPiece;
    std::unordered_map<std::string, int32_t> mergeRank; // "left\x01right" → rank
    bool byteFallback = false;
    bool ignoreMerges = false;
    int32_t unkId = -1;
    bool fuseUnk = false;

    void addMerge(const std::string& left, const std::string& right, int32_t rank);
    // Token ids of one pre-tokenized piece (already normalized / byte-level mapped).
    void encodePiece(std::string_view piece, std::vector<int32_t>& out) const;

private:
    int32_t rankOf(std::string_view left, std::string_view right) const;
    void emitSymbol(std::string_view symbol, std::vector<int32_t>& out) const;
};

} // namespace headscope::tok
