#include "headscope/core/demo_corpus.h"

#include <algorithm>
#include <array>

namespace headscope {

namespace {

constexpr std::array<const char*, 16> kOnsets{"V", "K", "T", "M", "R", "S", "D", "L", "B", "N", "G", "P", "Th", "Br", "Cl", "Z"};
constexpr std::array<const char*, 10> kVowels{"a", "e", "i", "o", "u", "ae", "io", "or", "el", "an"};
constexpr std::array<const char*, 12> kCodas{"ra", "ne", "th", "mor", "lin", "dra", "ven", "sk", "wyn", "tor", "lis", "gard"};

std::string randomName(std::mt19937_64& rng)
{
    auto pick = [&](const auto& list) { return std::string(list[rng() % list.size()]); };
    std::string name = pick(kOnsets) + pick(kVowels) + pick(kCodas);
    if (rng() % 3 == 0)
        name += pick(kVowels);
    return name;
}

struct FactTemplate {
    const char* needle;   // {K}, {V}
    const char* question; // {K}
};

constexpr std::array<FactTemplate, 4> kFacts{{
    {"The secret code of {K} is {V}.", "What is the secret code of {K}?"},
    {"The vault at {K} opens with the number {V}.", "Which number opens the vault at {K}?"},
    {"{K} keeps the spare key in locker {V}.", "In which locker does {K} keep the spare key?"},
    {"The ferry to {K} leaves from pier {V}.", "From which pier does the ferry to {K} leave?"},
}};

std::string fill(std::string text, const std::string& key, const std::string& value)
{
    for (auto [tag, with] : {std::pair<std::string, const std::string*>{"{K}", &key}, {"{V}", &value}})
        for (auto at = text.find(tag); at != std::string::npos; at = text.find(tag, at + with->size()))
            text.replace(at, tag.size(), *with);
    return text;
}

} // namespace

Needle randomDemoNeedle(std::mt19937_64& rng)
{
    const FactTemplate& t = kFacts[rng() % kFacts.size()];
    const std::string key = randomName(rng);
    const std::string value = std::to_string(1000 + rng() % 9000);
    Needle n;
    n.needle = fill(t.needle, key, value);
    n.question = fill(t.question, key, value);
    n.realNeedle = key + " " + value;
    n.answer = n.needle;
    return n;
}

std::vector<Needle> demoNeedles(uint64_t seed, int count)
{
    std::mt19937_64 rng(seed);
    std::vector<Needle> out;
    for (int i = 0; i < count; ++i)
        out.push_back(randomDemoNeedle(rng));
    return out;
}

TrainingExample makeDemoExample(const Tokenizer& tokenizer, const std::string& haystack, std::mt19937_64& rng,
                                int length)
{
    // Several facts per document, each asked about once at the end: every question is a
    // retrieval with its own copied value, so a step carries several times the signal of a
    // single-needle prompt. The first question uses exactly the probe's prompt layout.
    const int facts = 1 + static_cast<int>(rng() % 3);
    std::vector<Needle> needles;
    for (int i = 0; i < facts; ++i)
        needles.push_back(randomDemoNeedle(rng));
    const std::size_t span = static_cast<std::size_t>(length) * 8 + 64;
    std::size_t offset = haystack.size() > span ? rng() % (haystack.size() - span) : 0;
    if (const auto dot = haystack.find(". ", offset); dot != std::string::npos && dot + 2 < haystack.size())
        offset = dot + 2;
    const double depth = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    PromptOptions options;
    options.addBos = tokenizer.addsBosByDefault();
    BuiltPrompt prompt = buildPrompt(tokenizer, haystack.substr(offset, span), needles.front(), length, depth, options);

    // Further facts go in at other sentence boundaries of the context (before the question);
    // a fact that finds no boundary is dropped, never asked about.
    std::string text = tokenizer.decode(prompt.ids, /*skipSpecialTokens=*/true);
    std::vector<Needle> asked{needles.front()};
    for (std::size_t i = 1; i < needles.size(); ++i) {
        const auto question = text.rfind("Based on the content");
        if (question == std::string::npos || question == 0)
            break;
        const std::size_t at = text.find(". ", rng() % question);
        if (at == std::string::npos || at + 2 > question)
            continue;
        text.insert(at + 2, needles[i].needle + " ");
        asked.push_back(needles[i]);
    }
    TrainingExample ex;
    ex.ids = tokenizer.encode(text, options.addBos);
    ex.answerTarget.assign(ex.ids.size(), 0);
    auto appendAnswer = [&](const Needle& n) {
        for (int32_t id : tokenizer.encode(" " + n.answer + "\n")) {
            ex.answerTarget.back() = 1; // the previous position predicts this answer token
            ex.ids.push_back(id);
            ex.answerTarget.push_back(0);
        }
    };
    appendAnswer(asked.front());
    for (std::size_t i = 1; i < asked.size(); ++i) {
        for (int32_t id : tokenizer.encode("Based on the content in the book, answer the question: " + asked[i].question +
                                           "\nAnswer:")) {
            ex.ids.push_back(id);
            ex.answerTarget.push_back(0);
        }
        appendAnswer(asked[i]);
    }
    return ex;
}

} // namespace headscope
