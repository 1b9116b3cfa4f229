// ProbeRunner::check: what a probe run is refused for, and what it is warned about, before a
// model forward or a byte of the session is written. The CLI and the GUI both run probes
// through ProbeRunner, so these rules have this one home. Messages name the option (with its
// CLI spelling) and the value.
#include "headscope/core/probe_runner.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace headscope {

namespace {

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

bool blank(const std::string& s)
{
    return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

std::string quoted(const std::string& s)
{
    return "\"" + (s.size() > 50 ? s.substr(0, 47) + "..." : s) + "\"";
}

} // namespace

std::vector<std::string> ProbeRunner::checkConfig(const ProbeRunConfig& c)
{
    std::vector<std::string> warnings;
    if (c.needles.empty() || c.lengths.empty() || c.depths.empty())
        throw UsageError("probe: the grid is empty (needles × lengths × depths)");
    for (int length : c.lengths)
        if (length < 16 || length > 100'000'000)
            throw UsageError("--lengths: " + std::to_string(length) + " is outside 16..100000000 tokens");
    for (double depth : c.depths)
        if (!std::isfinite(depth) || depth < 0.0 || depth > 1.0)
            throw UsageError("--depths: " + number(depth) + " is not a fraction in [0, 1]");
    for (std::size_t i = 0; i < c.depths.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (std::abs(c.depths[i] - c.depths[j]) < 1e-6)
                throw UsageError("--depths: " + number(c.depths[i]) + " is listed twice");
    if (c.topK < 1 || c.topK > 1'000'000)
        throw UsageError("--top_k_infscore: expected an integer in 1..1000000, got " + std::to_string(c.topK));
    if (c.maxNewTokens < 1 || c.maxNewTokens > 1'000'000)
        throw UsageError("--max-new-tokens: expected an integer in 1..1000000, got " + std::to_string(c.maxNewTokens));
    if (c.shardCount < 1 || c.shardIndex < 0 || c.shardIndex >= c.shardCount)
        throw UsageError("--shard: expected i/n with 0 <= i < n, got " + std::to_string(c.shardIndex) + "/" +
                         std::to_string(c.shardCount));
    for (int id : c.fullRowTests)
        if (id < 0)
            throw UsageError("--store-rows: test ids are >= 0, got " + std::to_string(id));
    if (c.haystackText.empty())
        throw UsageError("probe: empty haystack");
    for (std::size_t n = 0; n < c.needles.size(); ++n) {
        const Needle& needle = c.needles[n];
        const std::string which = "needle " + std::to_string(n);
        if (blank(needle.needle))
            throw UsageError(which + ": the needle text is empty (there would be nothing to find)");
        if (blank(needle.question))
            throw UsageError(which + ": the question is empty");
        if (blank(needle.realNeedle))
            throw UsageError(which + ": real_needle is empty (the ROUGE-1 gate would score nothing)");
    }
    const std::string& tmpl = c.prompt.promptTemplate;
    if (tmpl.find("{context}") == std::string::npos)
        throw UsageError("--template: " + quoted(tmpl) +
                         " has no {context} placeholder, so the haystack and the needle would not be in the prompt");
    if (tmpl.find("{question}") == std::string::npos)
        warnings.push_back("--template: " + quoted(tmpl) +
                           " has no {question} placeholder; the model is never asked for the needle");
    for (auto open = tmpl.find('{'); open != std::string::npos; open = tmpl.find('{', open + 1)) {
        const auto close = tmpl.find('}', open);
        if (close == std::string::npos)
            break;
        const std::string name = tmpl.substr(open, close - open + 1);
        if (name != "{context}" && name != "{question}" && name.find_first_of(" \n") == std::string::npos)
            warnings.push_back("--template: " + name + " is not a placeholder ({context} and {question} are); it stays as text");
    }

    return warnings;
}

std::vector<std::string> ProbeRunner::check(const ProbeRunConfig& c) const
{
    std::vector<std::string> warnings = checkConfig(c);
    // Against the model and its tokenizer.
    const int shortest = *std::min_element(c.lengths.begin(), c.lengths.end());
    const int longest = *std::max_element(c.lengths.begin(), c.lengths.end());
    for (std::size_t n = 0; n < c.needles.size(); ++n) {
        const int room = haystackTokenBudget(m_tokenizer, c.needles[n], shortest, c.prompt);
        if (room <= 0)
            throw UsageError("--lengths: " + std::to_string(shortest) + " tokens is too short for needle " + std::to_string(n) +
                             " " + quoted(c.needles[n].needle) + ": template, question and needle alone take " +
                             std::to_string(shortest - room) + " tokens with the room kept for the answer, so the prompt "
                             "would be longer than the test's length");
    }
    const int64_t maxPositions = m_generator.config().maxPositionEmbeddings;
    const int64_t needed = static_cast<int64_t>(longest) + c.maxNewTokens;
    if (maxPositions > 0 && needed > maxPositions)
        warnings.push_back("--lengths: " + std::to_string(longest) + " tokens + " + std::to_string(c.maxNewTokens) +
                           " new tokens reach position " + std::to_string(needed) + ", beyond the model's "
                           "max_position_embeddings " + std::to_string(maxPositions) +
                           "; attention there is extrapolation and its scores may not mean what they do within it");
    return warnings;
}

} // namespace headscope
