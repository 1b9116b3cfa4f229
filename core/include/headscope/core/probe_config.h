#pragma once
// The definition of a needle-in-a-haystack probe: needles, haystack, grid, prompt template.
// Plain data (headscope_core); the run itself is ProbeRunner (probe_runner.h).
#include "headscope/core/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace headscope {

struct Needle {
    std::string needle;     // inserted into the haystack
    std::string question;
    std::string realNeedle; // key span for ROUGE-1 recall (the Retrieval Heads gate)
    std::string answer;     // expected answer for qa-F1 (the HeadKV-R2 gate)
};

// JSONL with fields needle, question, real_needle, answer (missing real_needle → needle;
// missing answer → real_needle). Errors name file:line and the key.
std::vector<Needle> loadNeedles(const std::filesystem::path& jsonl);
// The same from JSONL text (e.g. a session manifest's needles); errors name `source`:line.
std::vector<Needle> parseNeedles(const std::string& jsonlText, const std::string& source);
std::string needlesToJsonl(const std::vector<Needle>& needles);
// The three needles of the DiliLazyKV README: campus, Ph.D. habits, Tom.
std::vector<Needle> defaultNeedles();

// Haystack text: every .txt under `dir` (recursive, sorted by path), concatenated.
std::string readHaystackDirectory(const std::filesystem::path& dir);
// HeadScope's own synthetic prose, deterministic for the seed: at least `minChars` characters.
std::string syntheticHaystack(uint64_t seed, std::size_t minChars);

// Context lengths: round(linspace(minLen, maxLen, intervals)), duplicates kept in order.
std::vector<int> linspaceLengths(int minLen, int maxLen, int intervals);
// Auto: "0.1,0.5,0.9" or "10,50,90" or "10%,50%" → fractions in [0, 1] (percents when any value
// exceeds 1 or carries '%'). Percent: every value is a percent (the GUI's "Depths (%)" field).
// Errors quote the offending item.
enum class DepthUnit { Auto, Percent };
std::vector<double> parseDepths(const std::string& text, DepthUnit unit = DepthUnit::Auto);

inline constexpr const char* kDiliLazyKVTemplate =
    "{context}Based on the content in the book, answer the question: {question}\nAnswer:";

struct PromptOptions {
    std::string promptTemplate = kDiliLazyKVTemplate; // {context} and {question}
    std::optional<ChatTemplate> chat;                 // wrap the filled template as one user turn
    bool addBos = true;                               // the family policy decides (Tokenizer::addsBosByDefault)
    int reserveTokens = 200;                          // room for question and answer
    bool snapToSentence = false;                      // move the insertion point back to a '.'
};

struct BuiltPrompt {
    std::vector<int32_t> ids;
    int64_t spanStart = 0, spanEnd = 0; // the needle's token span inside ids
    std::string spanMethod;             // "exact" | "overlap"
    int contextTokens = 0;
};

// Builds the prompt for one test: haystack trimmed to fit `length` tokens in total, needle
// inserted at `depth` of the context, template filled; then locates the needle span in the
// FINAL ids (docs/algorithms.md decision (c)). Throws FormatError if the span cannot be found.
BuiltPrompt buildPrompt(const Tokenizer& tok, const std::string& haystack, const Needle& needle, int length,
                        double depth, const PromptOptions& options);

// Locates `needleIds` in `ids`: exact subsequence, else the window with the best id-set overlap
// (≥ 90 %, Retrieval Heads style). Returns nullopt if neither is found.
std::optional<std::pair<int64_t, int64_t>> locateSpan(const std::vector<int32_t>& ids, const std::vector<int32_t>& needleIds,
                                                      std::string* method = nullptr);

} // namespace headscope
