#include "headscope/core/probe_request.h"

#include "comma_list.h"
#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace headscope {

using detail::trimmed;

namespace {

constexpr int kMaxLength = 100'000'000; // tokens: far beyond any model, short of int overflow in sums
constexpr int kMaxCount = 1'000'000;     // top-K, new tokens

bool blank(const std::string& s)
{
    return s.find_first_not_of(" \t\r\n") == std::string::npos;
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
    for (const std::string_view item : detail::commaItems(text)) {
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

StoreRowsChoice parseStoreRows(std::string_view text, std::string_view what)
{
    StoreRowsChoice choice;
    const std::string_view t = trimmed(text);
    if (t == "all") {
        choice.all = true;
        return choice;
    }
    for (const std::string_view item : detail::commaItems(t)) {
        int id = -1;
        const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
        if (ec != std::errc() || ptr != item.data() + item.size() || id < 0)
            throw UsageError(std::string(what) + ": '" + std::string(item) + "' is not a test id (0, 1, …) or \"all\"");
        choice.ids.push_back(id);
    }
    return choice;
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
    for (std::size_t i = 0; i < needles.size(); ++i) {
        if (blank(needles[i].needle) || blank(needles[i].question))
            throw UsageError("probe: needle " + std::to_string(i + 1) + " needs a \"needle\" and a \"question\" (not blank)");
        if (blank(needles[i].realNeedle))
            throw UsageError("probe: needle " + std::to_string(i + 1) +
                             ": \"real_needle\" is blank, so the ROUGE-1 gate would score nothing");
    }
    haystack.validate();
    if (lengths.empty())
        throw UsageError("probe: no context lengths (--lengths, or --min_len/--max_len/--context_intervals)");
    for (int l : lengths)
        if (l < 16)
            throw UsageError("probe: context length " + std::to_string(l) + " is too short (--lengths: minimum 16 tokens)");
        else if (l > kMaxLength)
            throw UsageError("probe: context length " + std::to_string(l) + " is too long (--lengths: at most " +
                             std::to_string(kMaxLength) + " tokens)");
    if (depths.empty())
        throw UsageError("probe: no needle depths (--depths)");
    for (std::size_t i = 0; i < depths.size(); ++i) {
        if (!(depths[i] >= 0.0 && depths[i] <= 1.0))
            throw UsageError("probe: needle depth " + std::to_string(depths[i]) + " is outside [0, 1] (--depths)");
        for (std::size_t j = 0; j < i; ++j)
            if (std::abs(depths[i] - depths[j]) < 1e-6)
                throw UsageError("probe: needle depth " + std::to_string(depths[i]) + " is listed twice (--depths)");
    }
    if (topK < 1 || topK > kMaxCount)
        throw UsageError("probe: --top_k_infscore must be in 1.." + std::to_string(kMaxCount) + ", got " + std::to_string(topK));
    if (promptTemplate.find("{context}") == std::string::npos || promptTemplate.find("{question}") == std::string::npos)
        throw UsageError("probe: --template \"" + (promptTemplate.size() > 60 ? promptTemplate.substr(0, 57) + "..." : promptTemplate) +
                         "\" must contain {context} and {question}");
    if (maxNewTokens < 1 || maxNewTokens > kMaxCount)
        throw UsageError("probe: --max-new-tokens must be in 1.." + std::to_string(kMaxCount) + ", got " +
                         std::to_string(maxNewTokens));
    for (int id : storeRowsOf)
        if (id < 0 || id >= testCount())
            throw UsageError("probe: --store-rows: test id " + std::to_string(id) + " is not in the grid (ids 0.." +
                             std::to_string(testCount() - 1) + ": " + describeGrid() + ")");
    if (out.empty())
        throw UsageError("probe: no session file (--out): choose where to write the session");
    if (shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount)
        throw UsageError("probe: --shard must be i/n with 0 <= i < n, got " + std::to_string(shardIndex) + "/" +
                         std::to_string(shardCount));
    if (resume && replace)
        throw UsageError("probe: --resume continues the session at --out and --force replaces it; give one of them");
}

void ProbeRequest::validateOutput() const
{
    if (resume) {
        const ExistingKind there = identifyExisting(out);
        if (there != ExistingKind::Nothing && there != ExistingKind::Session && there != ExistingKind::UnreadableHdf5)
            throw UsageError(out.string() + ": cannot resume: it holds " + describeExisting(there) + ", not a probe session");
    } else {
        OutputTarget::validate(out, OutputKind::Session, replace);
    }
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
    const int shortest = *std::min_element(request.lengths.begin(), request.lengths.end());
    for (std::size_t n = 0; n < request.needles.size(); ++n) {
        const int room = haystackTokenBudget(tokenizer, request.needles[n], shortest, p.prompt);
        if (room <= 0) {
            const std::string& text = request.needles[n].needle;
            throw UsageError("probe: context length " + std::to_string(shortest) + " is too short for needle " +
                             std::to_string(n + 1) + " \"" + (text.size() > 40 ? text.substr(0, 37) + "..." : text) +
                             "\": template, question and needle alone take " + std::to_string(shortest - room) +
                             " tokens with the room kept for the answer, so every " + std::to_string(shortest) +
                             "-token test would be longer (--lengths)");
        }
    }
    return p;
}

std::vector<std::string> probeWarnings(const ProbeRequest& request, const ModelConfig& model)
{
    std::vector<std::string> warnings;
    if (!request.lengths.empty()) {
        const int longest = *std::max_element(request.lengths.begin(), request.lengths.end());
        const int64_t reach = static_cast<int64_t>(longest) + request.maxNewTokens;
        if (model.maxPositionEmbeddings > 0 && reach > model.maxPositionEmbeddings)
            warnings.push_back("--lengths: " + std::to_string(longest) + " tokens + " + std::to_string(request.maxNewTokens) +
                               " new tokens reach position " + std::to_string(reach) +
                               ", beyond the model's max_position_embeddings " + std::to_string(model.maxPositionEmbeddings) +
                               "; attention there is extrapolation, and its scores may not mean what they do within it");
    }
    const std::string& t = request.promptTemplate;
    for (auto open = t.find('{'); open != std::string::npos; open = t.find('{', open + 1)) {
        const auto close = t.find('}', open);
        if (close == std::string::npos)
            break;
        const std::string name = t.substr(open, close - open + 1);
        if (name != "{context}" && name != "{question}" && name.find_first_of(" \n\"") == std::string::npos)
            warnings.push_back("--template: " + name + " is not a placeholder ({context} and {question} are); it stays as text");
    }
    return warnings;
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
