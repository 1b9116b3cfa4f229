#pragma once
// Synthetic training documents and needles for HeadScope's bundled demo model (issue 6).
// A document is a probe prompt (buildPrompt: haystack, needle inserted at a depth, DiliLazyKV's
// question template) followed by its answer sentence, so the model is trained on exactly the
// format the probe later asks. Facts are made-up key → value pairs ("The secret code of Velmora
// is 4719."); the answer repeats the fact, so it can only be produced by copying from the needle.
#include "headscope/core/probe_config.h"
#include "headscope/core/tokenizer.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace headscope {

// One training document: token ids and, per position, whether the NEXT token belongs to the
// answer (those positions get the extra answer loss).
struct TrainingExample {
    std::vector<int32_t> ids;
    std::vector<uint8_t> answerTarget; // same length as ids
};

// A random fact as a needle: needle = the fact sentence, question about it, real_needle =
// "KEY VALUE" (ROUGE-1 recall > 50 ⇔ the value was copied), answer = the fact sentence.
Needle randomDemoNeedle(std::mt19937_64& rng);
// `count` needles for probes, deterministic for the seed.
std::vector<Needle> demoNeedles(uint64_t seed, int count);

// A document of about `length` tokens (the probe's length semantics) with the needle at a
// uniformly random depth, cut from a random offset of `haystack`.
TrainingExample makeDemoExample(const Tokenizer& tokenizer, const std::string& haystack, std::mt19937_64& rng,
                                int length);

} // namespace headscope
