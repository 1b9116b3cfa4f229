#pragma once
// Synthetic training documents and needles for HeadScope's bundled demo model
// (resources/demo_model).
// A document is a probe prompt (buildPrompt: haystack, needle inserted at a depth, DiliLazyKV's
// question template) followed by its answer sentence, so the model is trained on exactly the
// format the probe later asks. Facts are made-up key → value pairs ("The secret code of Velmora
// is 4719."); the answer repeats the fact, so it can only be produced by copying from the needle.
#include "headscope/core/probe_config.h"
#include "headscope/core/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace headscope {

inline constexpr uint8_t kAnswerToken = 1; // the next token belongs to an answer
inline constexpr uint8_t kValueToken = 2;  // ... and to the value copied from the fact
inline constexpr uint8_t kNoLoss = 3;      // the next token is unpredictable noise: no loss

// One training document: token ids and, per position, what the NEXT token is (0: ordinary
// text, kAnswerToken, kValueToken, kNoLoss); answer and value positions get extra loss.
struct TrainingExample {
    std::vector<int32_t> ids;
    std::vector<uint8_t> answerTarget; // same length as ids
    // Same length as ids: for a position whose next token is copied from earlier in the
    // document (an answer token from its needle, a repeated word), the position of that
    // earlier occurrence; -1 elsewhere. The attention a retrieval head should pay.
    std::vector<int32_t> copySource;
};

// A random fact as a needle: needle = the fact sentence, question about it, real_needle =
// "KEY VALUE" (ROUGE-1 recall > 50 ⇔ the value was copied), answer = the fact sentence.
Needle randomDemoNeedle(std::mt19937_64& rng);
// The 576 key names facts use (prefix + suffix); each is one token of the demo tokenizer.
std::vector<std::string> demoKeyNames();
// `count` needles for probes, deterministic for the seed.
std::vector<Needle> demoNeedles(uint64_t seed, int count);

// Writes the demo model's tokenizer.json and tokenizer_config.json into `dir`: byte-level BPE
// whose vocabulary holds every haystack, template and fact word and every key name as one
// token (ignore_merges), 4-digit values as four ("Ġ4" "7" "1" "9"), and all 256 bytes, so any text
// still encodes. Throws LoadError when the files cannot be written.
void writeDemoTokenizer(const std::filesystem::path& dir);

// A document of about `length` tokens (the probe's length semantics) with the needle at a
// uniformly random depth, cut from a random offset of `haystack`.
TrainingExample makeDemoExample(const Tokenizer& tokenizer, const std::string& haystack, std::mt19937_64& rng,
                                int length);

// A warm-up document of about `length` tokens, one of two kinds at random: a random prefix
// and random words repeated once (the repeat is marked kAnswerToken), or triplets "x y x" of
// random words (the third is marked); every other token is kNoLoss. They train the
// previous-token and induction heads before the needle documents need them.
TrainingExample makeRepeatExample(const Tokenizer& tokenizer, std::mt19937_64& rng, int length);

} // namespace headscope
