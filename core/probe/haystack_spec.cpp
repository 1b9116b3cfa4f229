#include "headscope/core/haystack.h"

#include "headscope/core/errors.h"
#include "headscope/core/probe_config.h"
#include "headscope/core/sha256.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace headscope {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSynthetic = "synthetic seed=";
constexpr std::string_view kDirectory = "dir ";
constexpr std::string_view kFile = "file ";
constexpr std::string_view kSha = " sha256=";

// "PATH" or "PATH sha256=HEX" (the path may contain spaces; the hash never does).
void parsePathAndHash(std::string_view rest, HaystackSpec& spec, std::string_view description)
{
    const auto at = rest.rfind(kSha);
    std::string_view path = rest;
    if (at != std::string_view::npos) {
        spec.sha256 = std::string(rest.substr(at + kSha.size()));
        path = rest.substr(0, at);
        if (spec.sha256.size() != 64 ||
            spec.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
            throw FormatError("haystack \"" + std::string(description) + "\": sha256 must be 64 lowercase hex digits");
    }
    if (path.empty())
        throw FormatError("haystack \"" + std::string(description) + "\": no path");
    spec.path = std::string(path);
}

} // namespace

HaystackSpec HaystackSpec::synthetic(uint64_t seed)
{
    HaystackSpec s;
    s.seed = seed;
    return s;
}

HaystackSpec HaystackSpec::directory(fs::path dir)
{
    HaystackSpec s;
    s.kind = Kind::Directory;
    s.path = std::move(dir);
    return s;
}

HaystackSpec HaystackSpec::file(fs::path file)
{
    HaystackSpec s;
    s.kind = Kind::File;
    s.path = std::move(file);
    return s;
}

HaystackSpec HaystackSpec::fromPath(const fs::path& path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return directory(path);
    if (fs::is_regular_file(path, ec))
        return file(path);
    throw LoadError(path.string() + ": haystack not found (expected a directory of .txt files or a text file)");
}

HaystackSpec HaystackSpec::parse(std::string_view d)
{
    HaystackSpec spec;
    if (d.substr(0, kSynthetic.size()) == kSynthetic) {
        const std::string_view number = d.substr(kSynthetic.size());
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), spec.seed);
        if (number.empty() || ec != std::errc() || end != number.data() + number.size())
            throw FormatError("haystack \"" + std::string(d) + "\": the seed is not a non-negative integer");
        return spec;
    }
    if (d.substr(0, kDirectory.size()) == kDirectory) {
        spec.kind = Kind::Directory;
        parsePathAndHash(d.substr(kDirectory.size()), spec, d);
        return spec;
    }
    if (d.substr(0, kFile.size()) == kFile) {
        spec.kind = Kind::File;
        parsePathAndHash(d.substr(kFile.size()), spec, d);
        return spec;
    }
    throw FormatError("haystack \"" + std::string(d) +
                      "\": expected \"synthetic seed=S\", \"dir PATH sha256=…\" or \"file PATH sha256=…\"");
}

std::string HaystackSpec::describe() const
{
    if (kind == Kind::Synthetic)
        return std::string(kSynthetic) + std::to_string(seed);
    std::string out = std::string(kind == Kind::Directory ? kDirectory : kFile) + path.string();
    if (!sha256.empty())
        out += std::string(kSha) + sha256;
    return out;
}

void HaystackSpec::validate() const
{
    if (kind != Kind::Synthetic && path.empty())
        throw UsageError(std::string("haystack: no ") + (kind == Kind::Directory ? "directory" : "file") +
                         " given (or choose the synthetic haystack)");
}

LoadedHaystack loadHaystack(const HaystackSpec& spec, int longestContext)
{
    spec.validate();
    LoadedHaystack out{spec, {}};
    switch (spec.kind) {
    case HaystackSpec::Kind::Synthetic: {
        // ~8 characters per token is generous for prose; buildPrompt repeats a text that is short.
        const std::size_t chars = std::max(kSyntheticHaystackChars, static_cast<std::size_t>(std::max(longestContext, 0)) * 8);
        out.text = syntheticHaystack(spec.seed, chars);
        return out;
    }
    case HaystackSpec::Kind::Directory:
        out.text = readHaystackDirectory(spec.path);
        break;
    case HaystackSpec::Kind::File: {
        std::ifstream in(spec.path, std::ios::binary);
        if (!in)
            throw LoadError(spec.path.string() + ": cannot open the haystack file");
        std::ostringstream text;
        text << in.rdbuf();
        out.text = text.str();
        if (out.text.empty())
            throw LoadError(spec.path.string() + ": the haystack file is empty");
        break;
    }
    }
    out.spec.sha256 = sha256Hex(out.text);
    if (!spec.sha256.empty() && spec.sha256 != out.spec.sha256)
        throw LoadError(spec.path.string() + ": the haystack changed since it was recorded (sha256 " + spec.sha256 +
                        ", now " + out.spec.sha256 + ")");
    return out;
}

} // namespace headscope
