// One probe prompt: haystack trimmed so the whole prompt fits the test's length, needle
// inserted at the requested depth, template filled — and the needle span located in the ids
// the model will actually see (docs/algorithms.md decision (c)), never in pre-splice coordinates.
#include "headscope/core/errors.h"
#include "headscope/core/probe_config.h"

#include <algorithm>
#include <set>

namespace headscope {

namespace {

std::string fill(std::string tmpl, const std::string& context, const std::string& question)
{
    auto replace = [&](const std::string& key, const std::string& value) {
        const auto pos = tmpl.find(key);
        if (pos != std::string::npos)
            tmpl.replace(pos, key.size(), value);
    };
    replace("{context}", context);
    replace("{question}", question);
    return tmpl;
}

std::string trimSpaces(const std::string& s)
{
    const auto b = s.find_first_not_of(" \n\t");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \n\t");
    return s.substr(b, e - b + 1);
}

// A chat template carries its own BOS, as transformers' apply_chat_template does.
bool addsBos(const PromptOptions& o)
{
    return o.addBos && !o.chat;
}

} // namespace

std::optional<std::pair<int64_t, int64_t>> locateSpan(const std::vector<int32_t>& ids, const std::vector<int32_t>& needle,
                                                      std::string* method)
{
    if (needle.empty() || needle.size() > ids.size())
        return std::nullopt;
    auto it = std::search(ids.begin(), ids.end(), needle.begin(), needle.end());
    if (it != ids.end()) {
        if (method)
            *method = "exact";
        const auto start = static_cast<int64_t>(it - ids.begin());
        return std::make_pair(start, start + static_cast<int64_t>(needle.size()));
    }
    // Tokenization at the needle's edges can differ from the needle alone: take the window
    // with the largest share of the needle's distinct ids (Retrieval Heads' > 90 % rule).
    const std::set<int32_t> want(needle.begin(), needle.end());
    double best = 0.0;
    int64_t bestStart = -1;
    for (std::size_t s = 0; s + needle.size() <= ids.size(); ++s) {
        std::set<int32_t> window(ids.begin() + static_cast<std::ptrdiff_t>(s),
                                 ids.begin() + static_cast<std::ptrdiff_t>(s + needle.size()));
        std::size_t common = 0;
        for (int32_t id : window)
            common += want.count(id);
        const double share = static_cast<double>(common) / static_cast<double>(want.size());
        if (share > best) {
            best = share;
            bestStart = static_cast<int64_t>(s);
        }
    }
    if (best < 0.9 || bestStart < 0)
        return std::nullopt;
    if (method)
        *method = "overlap";
    return std::make_pair(bestStart, bestStart + static_cast<int64_t>(needle.size()));
}

int haystackTokenBudget(const Tokenizer& tok, const Needle& needle, int length, const PromptOptions& o)
{
    auto wrap = [&](const std::string& text) {
        return o.chat ? tok.applyChatTemplate(text, *o.chat) : text;
    };
    const int overhead = static_cast<int>(tok.encode(wrap(fill(o.promptTemplate, "", needle.question)), addsBos(o)).size() +
                                          tok.encode(" " + trimSpaces(needle.needle) + " ").size());
    const int reserve = std::min(o.reserveTokens, length / 4);
    return length - reserve - overhead;
}

BuiltPrompt buildPrompt(const Tokenizer& tok, const std::string& haystack, const Needle& needle, int length,
                        double depth, const PromptOptions& o)
{
    if (length < 16)
        throw UsageError("probe: context length " + std::to_string(length) + " is too short (minimum 16 tokens)");
    auto wrap = [&](const std::string& text) {
        return o.chat ? tok.applyChatTemplate(text, *o.chat) : text;
    };
    const bool bos = addsBos(o);
    const std::string needleText = trimSpaces(needle.needle);
    const int contextBudget = std::max(0, haystackTokenBudget(tok, needle, length, o));

    // Tokenize only as much haystack as can be needed (≈ 8 bytes per token is generous).
    std::string source = haystack;
    while (source.size() < static_cast<std::size_t>(contextBudget) * 8 + 64 && !haystack.empty())
        source += haystack;
    source.resize(std::min(source.size(), static_cast<std::size_t>(contextBudget) * 8 + 64));
    std::vector<int32_t> ctx = tok.encode(source);
    if (static_cast<int>(ctx.size()) < contextBudget)
        throw UsageError("probe: haystack too short for " + std::to_string(length) + " tokens");
    ctx.resize(static_cast<std::size_t>(contextBudget));

    auto insertAt = static_cast<std::size_t>(depth * static_cast<double>(ctx.size()));
    std::string before = tok.decode(std::vector<int32_t>(ctx.begin(), ctx.begin() + static_cast<std::ptrdiff_t>(insertAt)));
    std::string after = tok.decode(std::vector<int32_t>(ctx.begin() + static_cast<std::ptrdiff_t>(insertAt), ctx.end()));
    if (o.snapToSentence && depth > 0.0 && depth < 1.0) {
        const auto dot = before.rfind(". ");
        if (dot != std::string::npos) {
            after = before.substr(dot + 2) + after;
            before = before.substr(0, dot + 1);
        }
    }
    before = before.empty() ? before : trimSpaces(before) + " ";
    after = trimSpaces(after);
    const std::string context = before + needleText + (after.empty() ? " " : " " + after + " ");

    BuiltPrompt p;
    p.contextTokens = static_cast<int>(ctx.size());
    p.ids = tok.encode(wrap(fill(o.promptTemplate, context, needle.question)), bos);
    const std::vector<int32_t> spaced = tok.encode(" " + needleText);
    auto span = locateSpan(p.ids, spaced, &p.spanMethod);
    if (!span)
        span = locateSpan(p.ids, tok.encode(needleText), &p.spanMethod);
    if (!span)
        throw FormatError("probe: the needle \"" + needleText.substr(0, 60) + "\" could not be located in the prompt ids (length " +
                          std::to_string(length) + ", depth " + std::to_string(depth) + ")");
    p.spanStart = span->first;
    p.spanEnd = span->second;
    return p;
}

} // namespace headscope
