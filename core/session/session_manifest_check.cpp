#include "session_manifest_check.h"

#include "headscope/core/errors.h"

#include <cmath>
#include <cstdio>

namespace headscope::session_manifest {

namespace {

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string join(const std::vector<int>& v)
{
    std::string s;
    for (int x : v)
        s += (s.empty() ? "" : ",") + std::to_string(x);
    return s.empty() ? "none" : s;
}

std::string join(const std::vector<double>& v)
{
    std::string s;
    for (double x : v)
        s += (s.empty() ? "" : ",") + number(x);
    return s.empty() ? "none" : s;
}

std::string join(const std::vector<std::string>& v)
{
    std::string s;
    for (const std::string& x : v)
        s += (s.empty() ? "" : "; ") + x;
    return s.empty() ? "none" : s;
}

std::string shorten(const std::string& s)
{
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

[[noreturn]] void bad(const std::string& file, const std::string& field, const std::string& expected, const std::string& got)
{
    throw UsageError(file + ": manifest field \"" + field + "\": expected " + expected + ", got " + got +
                     " (refused before writing: the session could not be read back)");
}

} // namespace

void validate(const SessionManifest& m, const std::string& file)
{
    for (double d : m.depths)
        if (!std::isfinite(d) || d < 0.0 || d > 1.0)
            bad(file, "depths", "fractions in [0, 1]", number(d));
    for (int l : m.lengths)
        if (l < 1)
            bad(file, "lengths", "positive token counts", std::to_string(l));
    if (m.topK < 1)
        bad(file, "top_k", "an integer >= 1", std::to_string(m.topK));
    if (m.layers < 1 || m.heads < 1)
        bad(file, m.layers < 1 ? "layers" : "heads", "an integer >= 1", std::to_string(std::min(m.layers, m.heads)));
    if (m.shardCount < 1 || m.shardIndex < 0 || m.shardIndex >= m.shardCount)
        bad(file, "shard_index", "0 <= index < shard_count", std::to_string(m.shardIndex) + " of " + std::to_string(m.shardCount));
    if (m.maxNewTokens < 0)
        bad(file, "max_new_tokens", "an integer >= 0", std::to_string(m.maxNewTokens));
}

void requireResumable(const SessionManifest& s, const SessionManifest& r, const std::string& file)
{
    auto same = [&](const char* key, const std::string& session, const std::string& run) {
        if (session != run)
            throw UsageError(file + ": cannot resume: \"" + key + "\" differs (session: " + shorten(session) +
                             ", this run: " + shorten(run) +
                             "); the finished tests were made with the session's value — resume with it, or write a "
                             "new session");
    };
    auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
    same("weight_sha256", join(s.weightSha256), join(r.weightSha256));
    same("tokenizer_sha256", s.tokenizerSha256, r.tokenizerSha256);
    same("layers", std::to_string(s.layers), std::to_string(r.layers));
    same("heads", std::to_string(s.heads), std::to_string(r.heads));
    same("dtype", s.dtype, r.dtype);
    same("haystack", s.haystack, r.haystack);
    same("needles_jsonl", s.needlesJsonl, r.needlesJsonl);
    same("lengths", join(s.lengths), join(r.lengths));
    same("depths", join(s.depths), join(r.depths));
    same("shard", std::to_string(s.shardIndex) + "/" + std::to_string(s.shardCount),
         std::to_string(r.shardIndex) + "/" + std::to_string(r.shardCount));
    same("mode", s.mode, r.mode);
    same("top_k", std::to_string(s.topK), std::to_string(r.topK));
    same("prompt_template", s.promptTemplate, r.promptTemplate);
    same("chat_template", s.chatTemplate, r.chatTemplate);
    same("add_bos", flag(s.addBos), flag(r.addBos));
    same("masked_heads", s.maskedHeads, r.maskedHeads);
    // Sessions written before the generation settings were recorded hold 0 here.
    if (s.maxNewTokens > 0) {
        same("max_new_tokens", std::to_string(s.maxNewTokens), std::to_string(r.maxNewTokens));
        same("stop_at_eos", flag(s.stopAtEos), flag(r.stopAtEos));
        same("stop_at_newline", flag(s.stopAtNewline), flag(r.stopAtNewline));
        same("stop_at_answer_length", flag(s.stopAtAnswerLength), flag(r.stopAtAnswerLength));
    }
}

} // namespace headscope::session_manifest
