#include "headscope/core/demo_corpus.h"

#include <algorithm>
#include <array>

namespace headscope {

namespace {

// Key names are a prefix and a suffix (24 × 24 = 576 names); the demo tokenizer holds each
// whole name as one token. The probe needles' keys (Thaloren, Kestrima, Morvelin, Braiodra,
// Zelwyn) are among them.
constexpr std::array<const char*, 24> kNamePrefixes{"Thal", "Kest", "Morv", "Brai", "Zel", "Vel", "Dor", "Cal",
                                                    "Fen",  "Gar",  "Hal",  "Ist",  "Jor", "Lun", "Mar", "Nor",
                                                    "Pel",  "Quen", "Ros",  "Sev",  "Tor", "Ulm", "Var", "Wen"};
constexpr std::array<const char*, 24> kNameSuffixes{"oren", "rima", "elin", "odra", "wyn",  "mora", "andel", "ith",
                                                    "ova",  "eron", "isk",  "umar", "essa", "ador", "ilde",  "orin",
                                                    "ast",  "ena",  "ubar", "eth",  "olis", "ara",  "indor", "ewyn"};

std::string randomName(std::mt19937_64& rng)
{
    const std::string prefix = kNamePrefixes[rng() % kNamePrefixes.size()];
    return prefix + kNameSuffixes[rng() % kNameSuffixes.size()];
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

std::vector<std::string> demoKeyNames()
{
    std::vector<std::string> names;
    for (const char* prefix : kNamePrefixes)
        for (const char* suffix : kNameSuffixes)
            names.push_back(std::string(prefix) + suffix);
    return names;
}

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
    ex.copySource.assign(ex.ids.size(), -1);
    const std::size_t contextEnd = ex.ids.size();
    auto appendAnswer = [&](const Needle& n) {
        const std::vector<int32_t> answer = tokenizer.encode(" " + n.answer + "\n");
        // The answer repeats the needle sentence: find it in the context, so each answer token
        // knows where it is copied from.
        const std::vector<int32_t> sentence = tokenizer.encode(" " + n.needle);
        const auto contextBegin = ex.ids.begin();
        const auto found = std::search(contextBegin, contextBegin + static_cast<std::ptrdiff_t>(contextEnd),
                                       sentence.begin(), sentence.end());
        const std::ptrdiff_t needleAt = found == contextBegin + static_cast<std::ptrdiff_t>(contextEnd)
                                            ? -1
                                            : found - contextBegin;
        const std::string value = n.realNeedle.substr(n.realNeedle.rfind(' ') + 1);
        const std::vector<int32_t> valueIds = tokenizer.encode(" " + value);
        const auto valueAt = std::search(answer.begin(), answer.end(), valueIds.begin(), valueIds.end());
        for (auto it = answer.begin(); it != answer.end(); ++it) {
            // The previous position predicts this answer token.
            const bool inValue = valueAt != answer.end() && it >= valueAt && it < valueAt + std::ssize(valueIds);
            ex.answerTarget.back() = inValue ? kValueToken : kAnswerToken;
            const std::ptrdiff_t j = it - answer.begin();
            if (needleAt >= 0 && j < std::ssize(sentence) && sentence[static_cast<std::size_t>(j)] == *it)
                ex.copySource.back() = static_cast<int32_t>(needleAt + j);
            ex.ids.push_back(*it);
            ex.answerTarget.push_back(0);
            ex.copySource.push_back(-1);
        }
    };
    appendAnswer(asked.front());
    for (std::size_t i = 1; i < asked.size(); ++i) {
        for (int32_t id : tokenizer.encode("Based on the content in the book, answer the question: " + asked[i].question +
                                           "\nAnswer:")) {
            ex.ids.push_back(id);
            ex.answerTarget.push_back(0);
            ex.copySource.push_back(-1);
        }
        appendAnswer(asked[i]);
    }
    return ex;
}

TrainingExample makeRepeatExample(const Tokenizer& tokenizer, std::mt19937_64& rng, int length)
{
    // Two warm-up kinds, half each, of random word tokens (ids below 256 are raw bytes and the
    // last ones special). Random tokens cannot be predicted, so they carry no loss: only the
    // predictable tokens do, which keeps the gradient on the circuit being taught.
    //  - Repeat: a random prefix, random words, then the same words again. The repeat is
    //    predictable only by finding the current token earlier and copying its successor: the
    //    induction circuit that needle retrieval is built from. The prefix varies the distance
    //    between the copies within a batch, so no fixed-offset head can stand in for it.
    //  - Triplets "x y x": the third token is the one before the current one. This rewards a
    //    previous-token head directly; induction needs one and rarely finds it on its own.
    const auto specials = static_cast<int32_t>(tokenizer.eosIds().size() + (tokenizer.bosId() ? 1 : 0));
    const auto end = static_cast<int32_t>(tokenizer.vocabSize()) - specials;
    std::uniform_int_distribution<int32_t> word(256, end - 1);
    TrainingExample ex;
    if (const auto bos = tokenizer.bosId())
        ex.ids.push_back(*bos);
    ex.answerTarget.assign(ex.ids.size(), kNoLoss);
    ex.copySource.assign(ex.ids.size(), -1);
    // `source`: where the token was seen before (-1: new, unpredictable).
    auto push = [&](int32_t id, int32_t source) {
        if (!ex.answerTarget.empty()) {
            ex.answerTarget.back() = source >= 0 ? kAnswerToken : kNoLoss; // what predicts this token
            ex.copySource.back() = source;
        }
        ex.ids.push_back(id);
        ex.answerTarget.push_back(kNoLoss);
        ex.copySource.push_back(-1);
    };
    length = std::max(length, 8);
    if (rng() % 2 == 0) {
        for (int i = 0; i + 3 <= length; i += 3) {
            const int32_t x = word(rng);
            const auto at = static_cast<int32_t>(ex.ids.size());
            push(x, -1);
            push(word(rng), -1);
            push(x, at);
        }
        return ex;
    }
    const int prefix = static_cast<int>(rng() % static_cast<uint64_t>(length / 2));
    const int half = std::max(2, (length - prefix) / 2);
    for (int i = 0; i < prefix; ++i)
        push(word(rng), -1);
    const std::size_t from = ex.ids.size();
    for (int i = 0; i < half; ++i)
        push(word(rng), -1);
    for (int i = 0; i < half; ++i) {
        const std::size_t source = from + static_cast<std::size_t>(i);
        push(ex.ids[source], static_cast<int32_t>(source));
    }
    return ex;
}

} // namespace headscope
