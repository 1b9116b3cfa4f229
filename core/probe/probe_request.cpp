#include "headscope/core/probe_request.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <charconv>

namespace headscope {

namespace {

std::string_view trimmed(std::string_view s)
{
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos)
        return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

} // namespace

std::string_view scoringModeName(ScoringMode mode)
{
    return mode == ScoringMode::LastPromptRow ? "last-row" : "all-steps";
}

ScoringMode parseScoringMode(std::string_view name)
{
    if (name == "all-steps")
        return ScoringMode::AllRows;
    if (name == "last-row")
        return ScoringMode::LastPromptRow;
    throw UsageError("--mode: expected all-steps or last-row, got '" + std::string(name) + "'");
}

std::vector<int> parseLengths(std::string_view text, std::string_view what)
{
    std::vector<int> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string_view item = trimmed(text.substr(start, end - start));
        start = end + 1;
        if (item.empty())
            continue;
        int value = 0;
        const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
        if (ec != std::errc() || ptr != item.data() + item.size() || value < 1)
            throw UsageError(std::string(what) + ": '" + std::string(item) + "' is not a positive whole number of tokens");
        out.push_back(value);
    }
    if (out.empty())
        throw UsageError(std::string(what) + ": enter at least one length, separated by commas");
    return out;
}

std::pair<int, int> parseShard(std::string_view text)
{
    const auto slash = text.find('/');
    int i = -1, n = -1;
    if (slash != std::string_view::npos) {
        const std::string_view a = text.substr(0, slash), b = text.substr(slash + 1);
        const auto ra = std::from_chars(a.data(), a.data() + a.size(), i);
        const auto rb = std::from_chars(b.data(), b.data() + b.size(), n);
        if (ra.ec == std::errc() && ra.ptr == a.data() + a.size() && rb.ec == std::errc() && rb.ptr == b.data() + b.size())
            return {i, n};
    }
    throw UsageError("--shard: expected i/n, got '" + std::string(text) + "'");
}

void ProbeRequest::validate() const
{
    if (needles.empty())
        throw UsageError("probe: no needles (--needles: one JSON object per line)");
    for (std::size_t i = 0; i < needles.size(); ++i)
        if (needles[i].needle.empty() || needles[i].question.empty())
            throw UsageError("probe: needle " + std::to_string(i + 1) + " needs a \"needle\" and a \"question\"");
    haystack.validate();
    if (lengths.empty())
        throw UsageError("probe: no context lengths (--lengths, or --min_len/--max_len/--context_intervals)");
    for (int l : lengths)
        if (l < 16)
            throw UsageError("probe: context length " + std::to_string(l) + " is too short (--lengths: minimum 16 tokens)");
    if (depths.empty())
        throw UsageError("probe: no needle depths (--depths)");
    for (double d : depths)
        if (!(d >= 0.0 && d <= 1.0))
            throw UsageError("probe: needle depth " + std::to_string(d) + " is outside [0, 1] (--depths)");
    if (topK < 1)
        throw UsageError("probe: --top_k_infscore must be at least 1, got " + std::to_string(topK));
    if (promptTemplate.find("{context}") == std::string::npos || promptTemplate.find("{question}") == std::string::npos)
        throw UsageError("probe: --template must contain {context} and {question}");
    if (maxNewTokens < 1)
        throw UsageError("probe: --max-new-tokens must be at least 1, got " + std::to_string(maxNewTokens));
    for (int id : storeRowsOf)
        if (id < 0)
            throw UsageError("probe: --store-rows: test id " + std::to_string(id) + " is negative");
    if (out.empty())
        throw UsageError("probe: no session file (--out): choose where to write the session");
    if (shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount)
        throw UsageError("probe: --shard must be i/n with 0 <= i < n, got " + std::to_string(shardIndex) + "/" +
                         std::to_string(shardCount));
}

int ProbeRequest::testCount() const
{
    return static_cast<int>(lengths.size() * depths.size() * needles.size());
}

std::string ProbeRequest::describeGrid() const
{
    auto count = [](std::size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
    return count(lengths.size(), "length") + " × " + count(depths.size(), "depth") + " × " +
           count(needles.size(), "needle") + " = " + count(static_cast<std::size_t>(testCount()), "test");
}

PromptOptions promptOptionsFor(const ProbeRequest& request, const Tokenizer& tokenizer)
{
    PromptOptions o;
    o.promptTemplate = request.promptTemplate;
    o.addBos = tokenizer.addsBosByDefault();
    if (request.chat)
        o.chat = tokenizer.defaultChatTemplate();
    return o;
}

PreparedProbe prepareProbe(const ProbeRequest& request, const Tokenizer& tokenizer)
{
    request.validate();
    PreparedProbe p;
    p.request = request;
    LoadedHaystack haystack = loadHaystack(request.haystack, *std::max_element(request.lengths.begin(), request.lengths.end()));
    p.request.haystack = std::move(haystack.spec);
    p.haystackText = std::move(haystack.text);
    p.prompt = promptOptionsFor(request, tokenizer);
    return p;
}

std::vector<ProbeGridTest> probeGrid(const ProbeRequest& request)
{
    std::vector<ProbeGridTest> grid;
    int index = 0;
    for (int length : request.lengths)
        for (double depth : request.depths)
            for (int n = 0; n < static_cast<int>(request.needles.size()); ++n)
                grid.push_back({index++, length, depth, n});
    return grid;
}

} // namespace headscope
