// make-tasks (docs/eval_format.md, "Generated tasks"): HeadScope's own generators for RULER's
// task families. Filler is the synthetic haystack, facts go in at sentence boundaries, the
// question uses the probe's template, and the prompt is fitted to a token length by trimming the
// filler. Randomness comes from mt19937_64 (whose output the standard fixes) through our own
// rejection sampling and shuffles, so a seed gives the same file on every platform.
#include "headscope/core/task_generator.h"

#include "headscope/core/demo_corpus.h"
#include "headscope/core/errors.h"
#include "headscope/core/probe_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <random>
#include <set>

namespace headscope {

namespace {

struct KindName {
    TaskKind kind;
    std::string_view name, ruler;
    int maxNewTokens;
};
constexpr std::array<KindName, 6> kKinds{{
    {TaskKind::SingleNeedle, "single", "niah_single", 48},
    {TaskKind::MultiKey, "multikey", "niah_multikey", 48},
    {TaskKind::MultiValue, "multivalue", "niah_multivalue", 96},
    {TaskKind::MultiQuery, "multiquery", "niah_multiquery", 96},
    {TaskKind::VariableTracking, "vartrack", "vt", 48},
    {TaskKind::CommonWords, "commonwords", "cwe", 96},
}};

const KindName& info(TaskKind kind)
{
    for (const KindName& k : kKinds)
        if (k.kind == kind)
            return k;
    return kKinds.front();
}

class Rng {
public:
    Rng(uint64_t seed, TaskKind kind, int length, int index)
    {
        std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                          static_cast<uint32_t>(kind), static_cast<uint32_t>(length), static_cast<uint32_t>(index)};
        m_g.seed(seq);
    }
    // Uniform in [0, n) by rejection.
    uint64_t below(uint64_t n)
    {
        const uint64_t threshold = (0 - n) % n;
        for (;;)
            if (const uint64_t r = m_g(); r >= threshold)
                return r % n;
    }
    template <typename T>
    void shuffle(std::vector<T>& v)
    {
        for (std::size_t i = v.size(); i > 1; --i)
            std::swap(v[i - 1], v[below(i)]);
    }

private:
    std::mt19937_64 m_g;
};

// Distinct items drawn from `pool`.
std::vector<std::string> distinct(Rng& rng, const std::vector<std::string>& pool, int n)
{
    std::vector<std::string> items = pool;
    rng.shuffle(items);
    items.resize(static_cast<std::size_t>(n));
    return items;
}

std::string number(Rng& rng, int digits)
{
    uint64_t low = 1;
    for (int i = 1; i < digits; ++i)
        low *= 10;
    return std::to_string(low + rng.below(9 * low));
}

std::vector<std::string> distinctNumbers(Rng& rng, int digits, int n)
{
    std::set<std::string> seen;
    std::vector<std::string> out;
    while (static_cast<int>(out.size()) < n)
        if (std::string v = number(rng, digits); seen.insert(v).second)
            out.push_back(v);
    return out;
}

std::vector<std::string> variableNames(Rng& rng, int n)
{
    std::set<std::string> seen;
    std::vector<std::string> out;
    while (static_cast<int>(out.size()) < n) {
        std::string name;
        for (int i = 0; i < 5; ++i)
            name += static_cast<char>('A' + rng.below(26));
        if (seen.insert(name).second)
            out.push_back(name);
    }
    return out;
}

std::string joinAnd(const std::vector<std::string>& items)
{
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    return out;
}

// What one example asks: the sentences to insert (in order when `ordered`), the question, the
// references. Common-word tasks build their context themselves (`list`).
struct Content {
    std::vector<std::string> facts;
    bool ordered = false;
    std::string question;
    std::vector<std::string> outputs;
    std::vector<std::string> listWords; // commonwords: every entry, in list order
};

std::string fact(const std::string& key, const std::string& value)
{
    return "The secret code of " + key + " is " + value + ".";
}

Content needleContent(Rng& rng, TaskKind kind, const TaskOptions& o)
{
    static const std::vector<std::string> keys = demoKeyNames();
    Content c;
    switch (kind) {
    case TaskKind::SingleNeedle:
    case TaskKind::MultiKey: {
        const int n = kind == TaskKind::SingleNeedle ? 1 : std::max(1, o.keys);
        const auto k = distinct(rng, keys, n);
        const auto v = distinctNumbers(rng, o.valueDigits, n);
        for (int i = 0; i < n; ++i)
            c.facts.push_back(fact(k[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(i)]));
        const std::size_t asked = rng.below(static_cast<uint64_t>(n));
        c.question = "What is the secret code of " + k[asked] + "?";
        c.outputs = {v[asked]};
        break;
    }
    case TaskKind::MultiValue: {
        const std::string k = distinct(rng, keys, 1).front();
        const auto v = distinctNumbers(rng, o.valueDigits, std::max(1, o.values));
        for (const std::string& value : v)
            c.facts.push_back(fact(k, value));
        c.question = "What are all the secret codes of " + k + "?";
        c.outputs = v;
        break;
    }
    case TaskKind::MultiQuery: {
        const int n = std::max(1, o.queries);
        const auto k = distinct(rng, keys, n);
        const auto v = distinctNumbers(rng, o.valueDigits, n);
        for (int i = 0; i < n; ++i)
            c.facts.push_back(fact(k[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(i)]));
        c.question = "What are the secret codes of " + joinAnd(k) + "?";
        c.outputs = v;
        break;
    }
    case TaskKind::VariableTracking: {
        // Chains "Let A be 4719." "Let B be A." …; their statements are interleaved at random but
        // each chain keeps its order, so every name of the asked chain is reachable from the value.
        const int chains = std::max(1, o.chains), hops = std::max(1, o.hops);
        const auto names = variableNames(rng, chains * hops);
        const auto values = distinctNumbers(rng, o.valueDigits, chains);
        std::vector<int> order;
        for (int ch = 0; ch < chains; ++ch)
            order.insert(order.end(), static_cast<std::size_t>(hops), ch);
        rng.shuffle(order);
        std::vector<int> next(static_cast<std::size_t>(chains), 0);
        for (int ch : order) {
            const int h = next[static_cast<std::size_t>(ch)]++;
            const std::string& name = names[static_cast<std::size_t>(ch * hops + h)];
            const std::string from = h == 0 ? values[static_cast<std::size_t>(ch)]
                                            : names[static_cast<std::size_t>(ch * hops + h - 1)];
            c.facts.push_back("Let " + name + " be " + from + ".");
        }
        c.ordered = true;
        c.question = "Which names have the value " + values.front() + "?";
        c.outputs.assign(names.begin(), names.begin() + hops);
        break;
    }
    case TaskKind::CommonWords:
        break;
    }
    if (!c.ordered)
        rng.shuffle(c.facts);
    return c;
}

// The lowercase words of the synthetic haystack (its own vocabulary), sorted.
std::vector<std::string> haystackWords(uint64_t seed)
{
    std::set<std::string> words;
    const std::string text = syntheticHaystack(seed, 20000);
    std::string w;
    for (char ch : text + " ") {
        if (std::isalpha(static_cast<unsigned char>(ch))) {
            w += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        } else {
            if (w.size() >= 4)
                words.insert(w);
            w.clear();
        }
    }
    return {words.begin(), words.end()};
}

// A list of `entries` words: `common` words `fc` times each, the rest of the vocabulary spread as
// evenly as possible and each strictly less often than fc.
Content commonWordsContent(Rng& rng, const std::vector<std::string>& vocabulary, int common, int entries)
{
    if (common < 1 || static_cast<int>(vocabulary.size()) <= common + 1)
        throw UsageError("make-tasks: commonwords needs more than " + std::to_string(common + 1) + " distinct words");
    const auto words = distinct(rng, vocabulary, static_cast<int>(vocabulary.size()));
    const int rare = static_cast<int>(words.size()) - common;
    int fc = std::max(2, entries * 3 / 10 / common);
    int rest = std::max(0, entries - fc * common);
    while ((rest + rare - 1) / rare >= fc) { // the rarest-but-one must stay below the common ones
        ++fc;
        rest = std::max(0, entries - fc * common);
    }
    Content c;
    for (int i = 0; i < common; ++i)
        for (int k = 0; k < fc; ++k)
            c.listWords.push_back(words[static_cast<std::size_t>(i)]);
    for (int k = 0; k < rest; ++k)
        c.listWords.push_back(words[static_cast<std::size_t>(common + k % rare)]);
    rng.shuffle(c.listWords);
    c.outputs.assign(words.begin(), words.begin() + common);
    c.question = "Which " + std::to_string(common) + " words appear most often in the list above?";
    return c;
}

std::string commonWordsContext(const Content& c)
{
    std::string out = "Below is a numbered list of words.\n";
    for (std::size_t i = 0; i < c.listWords.size(); ++i)
        out += std::to_string(i + 1) + ". " + c.listWords[i] + "\n";
    return out;
}

// Filler of about `tokens` tokens from a random sentence start of the haystack, cut back to its
// last whole sentence, with the facts inserted at sentence boundaries.
std::string needleContext(const Tokenizer& tok, Rng& rng, const std::string& haystack, const Content& c, int64_t tokens,
                          uint64_t offsetDraw)
{
    std::string filler;
    if (tokens > 0) {
        std::size_t offset = offsetDraw % (haystack.size() / 2);
        if (const auto dot = haystack.find(". ", offset); dot != std::string::npos)
            offset = dot + 2;
        const std::string source = haystack.substr(offset, static_cast<std::size_t>(tokens) * 8 + 256);
        std::vector<int32_t> ids = tok.encode(source);
        if (static_cast<int64_t>(ids.size()) > tokens)
            ids.resize(static_cast<std::size_t>(tokens));
        filler = tok.decode(ids, true);
        const auto end = filler.rfind('.');
        filler = end == std::string::npos ? std::string() : filler.substr(0, end + 1);
    }
    // Boundaries: the start, after every ". " / ".\n", and the end.
    std::vector<std::size_t> bounds{0};
    for (std::size_t i = 1; i + 1 < filler.size(); ++i)
        if (filler[i - 1] == '.' && (filler[i] == ' ' || filler[i] == '\n'))
            bounds.push_back(i + 1);
    bounds.push_back(filler.size());
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < c.facts.size(); ++i)
        at.push_back(bounds[rng.below(bounds.size())]);
    std::sort(at.begin(), at.end());
    std::string out;
    std::size_t from = 0;
    for (std::size_t i = 0; i < c.facts.size(); ++i) {
        out += filler.substr(from, at[i] - from);
        if (!out.empty() && out.back() != ' ' && out.back() != '\n')
            out += ' ';
        out += c.facts[i] + " ";
        from = at[i];
    }
    out += filler.substr(from);
    if (!out.empty() && out.back() != ' ' && out.back() != '\n')
        out += ' ';
    return out;
}

void splitPrompt(const std::string& context, const std::string& question, GeneratedTask& t)
{
    std::string prompt = kDiliLazyKVTemplate;
    prompt.replace(prompt.find("{question}"), 10, question);
    prompt.replace(prompt.find("{context}"), 9, context);
    const auto answer = prompt.rfind("Answer:");
    t.input = prompt.substr(0, answer);
    t.answerPrefix = prompt.substr(answer);
}

} // namespace

std::string_view taskKindName(TaskKind kind)
{
    return info(kind).name;
}

std::string_view taskRulerName(TaskKind kind)
{
    return info(kind).ruler;
}

int taskMaxNewTokens(TaskKind kind)
{
    return info(kind).maxNewTokens;
}

TaskKind parseTaskKind(std::string_view name)
{
    std::string names;
    for (const KindName& k : kKinds) {
        if (k.name == name || k.ruler == name)
            return k.kind;
        names += (names.empty() ? "" : ", ") + std::string(k.name);
    }
    throw UsageError("unknown task kind '" + std::string(name) + "'; expected one of " + names);
}

std::vector<TaskKind> allTaskKinds()
{
    std::vector<TaskKind> out;
    for (const KindName& k : kKinds)
        out.push_back(k.kind);
    return out;
}

std::vector<GeneratedTask> generateTasks(const Tokenizer& tok, TaskKind kind, const std::vector<int>& lengths, int count,
                                         uint64_t seed, const TaskOptions& o)
{
    if (lengths.empty() || count < 1)
        throw UsageError("make-tasks: give at least one length and a count ≥ 1");
    const int maxNew = taskMaxNewTokens(kind);
    const int longest = *std::max_element(lengths.begin(), lengths.end());
    const std::string haystack = syntheticHaystack(o.haystackSeed, static_cast<std::size_t>(longest) * 16 + 65536);
    const std::vector<std::string> vocabulary = kind == TaskKind::CommonWords ? haystackWords(o.haystackSeed)
                                                                              : std::vector<std::string>{};
    const bool bos = tok.addsBosByDefault();
    std::vector<GeneratedTask> out;
    for (int length : lengths)
        for (int i = 0; i < count; ++i) {
            Rng rng(seed, kind, length, i);
            const int64_t target = length - maxNew;
            GeneratedTask t;
            t.index = static_cast<int>(out.size());
            t.task = std::string(taskRulerName(kind));
            t.maxLength = length;
            t.maxNewTokens = maxNew;
            auto measure = [&] { return static_cast<int64_t>(tok.encode(t.input + t.answerPrefix, bos).size()); };
            auto tooShort = [&](int64_t fixed) {
                return UsageError("make-tasks: length " + std::to_string(length) + " is too short for a " +
                                  std::string(taskKindName(kind)) + " task: its facts and question take " +
                                  std::to_string(fixed) + " tokens and the answer " + std::to_string(maxNew));
            };
            if (kind == TaskKind::CommonWords) {
                // Entries are fitted like filler: estimate from a probe list, then shrink.
                Content probe = commonWordsContent(rng, vocabulary, o.commonWords, 200);
                splitPrompt(commonWordsContext(probe), probe.question, t);
                const int64_t per = std::max<int64_t>(1, measure() / 200);
                int entries = static_cast<int>(std::max<int64_t>(o.commonWords * 2, target / per));
                for (;;) {
                    Rng draw(seed, kind, length, i);
                    Content c = commonWordsContent(draw, vocabulary, o.commonWords, entries);
                    splitPrompt(commonWordsContext(c), c.question, t);
                    const int64_t n = measure();
                    if (n <= target) {
                        t.outputs = c.outputs;
                        break;
                    }
                    const int fewer = std::max<int>(1, static_cast<int>((n - target) / per) + 1);
                    if (entries - fewer < o.commonWords * 2)
                        throw tooShort(n);
                    entries -= fewer;
                }
            } else {
                const Content c = needleContent(rng, kind, o);
                const uint64_t offsetDraw = rng.below(uint64_t(1) << 62);
                splitPrompt(needleContext(tok, rng, haystack, c, 0, offsetDraw), c.question, t);
                const int64_t fixed = measure();
                int64_t filler = target - fixed;
                if (filler < 0)
                    throw tooShort(fixed);
                for (;;) {
                    Rng place = rng; // the same insertion points whatever the filler length tried
                    splitPrompt(needleContext(tok, place, haystack, c, filler, offsetDraw), c.question, t);
                    const int64_t n = measure();
                    if (n <= target)
                        break;
                    filler -= std::max<int64_t>(1, n - target);
                    if (filler < 0)
                        throw tooShort(fixed);
                }
                t.outputs = c.outputs;
            }
            t.length = measure() + maxNew;
            out.push_back(std::move(t));
        }
    return out;
}

std::string tasksToJsonl(const std::vector<GeneratedTask>& tasks)
{
    std::string out;
    for (const GeneratedTask& t : tasks) {
        nlohmann::ordered_json j;
        j["index"] = t.index;
        j["task"] = t.task;
        j["input"] = t.input;
        j["answer_prefix"] = t.answerPrefix;
        j["outputs"] = t.outputs;
        j["length"] = t.length;
        j["max_length"] = t.maxLength;
        j["max_new_tokens"] = t.maxNewTokens;
        out += j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    }
    return out;
}

} // namespace headscope
