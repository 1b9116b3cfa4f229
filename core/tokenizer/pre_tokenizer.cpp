#include "pre_tokenizer.h"

#include "byte_level.h"
#include "unicode_text.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

namespace headscope::tok {

namespace {

// GPT-2's pattern, used by a ByteLevel pre-tokenizer with use_regex = true.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

std::optional<Behavior> behaviorFromName(const std::string& s)
{
    if (s == "Removed") return Behavior::Removed;
    if (s == "Isolated") return Behavior::Isolated;
    if (s == "MergedWithPrevious") return Behavior::MergedWithPrevious;
    if (s == "MergedWithNext") return Behavior::MergedWithNext;
    if (s == "Contiguous") return Behavior::Contiguous;
    return std::nullopt;
}

// Spans of single code points for which `pred` holds (Hugging Face's char-predicate pattern).
template <typename Pred>
std::vector<Span> charMatches(std::string_view text, Pred pred)
{
    std::vector<Span> out;
    if (text.empty()) {
        out.push_back({0, 0, false});
        return out;
    }
    std::size_t lastOffset = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = i;
        const uint32_t cp = nextCodepoint(text, i);
        if (pred(cp)) {
            if (lastOffset < start)
                out.push_back({lastOffset, start, false});
            out.push_back({start, i, true});
            lastOffset = i;
        }
    }
    if (lastOffset < text.size())
        out.push_back({lastOffset, text.size(), false});
    return out;
}

// Applies a split behavior to find_matches spans; returns the kept [start, end) ranges.
std::vector<std::pair<std::size_t, std::size_t>> applyBehavior(std::vector<Span> spans, Behavior b, bool invert)
{
    if (invert)
        for (Span& s : spans)
            s.isMatch = !s.isMatch;
    std::vector<std::pair<std::size_t, std::size_t>> out;
    bool previousMatch = false;
    switch (b) {
    case Behavior::Isolated:
        for (const Span& s : spans)
            out.emplace_back(s.start, s.end);
        break;
    case Behavior::Removed:
        for (const Span& s : spans)
            if (!s.isMatch)
                out.emplace_back(s.start, s.end);
        break;
    case Behavior::Contiguous:
        for (const Span& s : spans) {
            if (s.isMatch == previousMatch && !out.empty())
                out.back().second = s.end;
            else
                out.emplace_back(s.start, s.end);
            previousMatch = s.isMatch;
        }
        break;
    case Behavior::MergedWithPrevious:
        for (const Span& s : spans) {
            if (s.isMatch && !previousMatch && !out.empty())
                out.back().second = s.end;
            else
                out.emplace_back(s.start, s.end);
            previousMatch = s.isMatch;
        }
        break;
    case Behavior::MergedWithNext:
        for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
            if (it->isMatch && !previousMatch && !out.empty())
                out.back().first = it->start;
            else
                out.emplace_back(it->start, it->end);
            previousMatch = it->isMatch;
        }
        std::reverse(out.begin(), out.end());
        break;
    }
    return out;
}

void cut(const Piece& p, const std::vector<Span>& spans, Behavior b, bool invert, std::vector<Piece>& out)
{
    for (const auto& [s, e] : applyBehavior(spans, b, invert))
        if (e > s)
            out.push_back({p.text.substr(s, e - s), p.atOrigin && s == 0});
}

std::string replaceSpaces(const std::string& text, const std::string& with)
{
    std::string out;
    out.reserve(text.size() * 2);
    for (char c : text) {
        if (c == ' ')
            out += with;
        else
            out.push_back(c);
    }
    return out;
}

} // namespace

struct PreTokenizer::Step {
    enum Kind { Split, ByteLevel, Metaspace, Digits } kind;
    std::optional<Regex> regex;        // Split, ByteLevel with use_regex
    Behavior behavior = Behavior::Isolated;
    bool invert = false;
    bool addPrefixSpace = false;       // ByteLevel
    std::string replacement;           // Metaspace (one code point, UTF-8)
    uint32_t replacementCp = 0;
    enum Prepend { Always, First, Never } prepend = Always;
    bool metaSplit = true;
    bool individualDigits = false;     // Digits

    void apply(const Piece& p, std::vector<Piece>& out) const
    {
        switch (kind) {
        case Split:
            cut(p, regex->findMatches(p.text), behavior, invert, out);
            break;
        case ByteLevel: {
            Piece q = p;
            if (addPrefixSpace && (q.text.empty() || q.text.front() != ' '))
                q.text.insert(q.text.begin(), ' ');
            const std::size_t first = out.size();
            if (regex)
                cut(q, regex->findMatches(q.text), Behavior::Isolated, false, out);
            else if (!q.text.empty())
                out.push_back(std::move(q));
            // Later steps see the mapped text, as in Hugging Face's pipeline.
            const ByteLevelTable& table = ByteLevelTable::instance();
            for (std::size_t i = first; i < out.size(); ++i)
                out[i].text = table.encode(out[i].text);
            break;
        }
        case Metaspace: {
            Piece q{replaceSpaces(p.text, replacement), p.atOrigin};
            const bool startsWithReplacement = q.text.rfind(replacement, 0) == 0;
            if (!startsWithReplacement && (prepend == Always || (prepend == First && p.atOrigin)))
                q.text = replacement + q.text;
            if (metaSplit)
                cut(q, charMatches(q.text, [&](uint32_t c) { return c == replacementCp; }), Behavior::MergedWithNext, false, out);
            else if (!q.text.empty())
                out.push_back(std::move(q));
            break;
        }
        case Digits:
            cut(p, charMatches(p.text, isNumeric), individualDigits ? Behavior::Isolated : Behavior::Contiguous, false, out);
            break;
        }
    }
};

PreTokenizer::PreTokenizer(const nlohmann::json& spec, const std::string& source)
{
    if (!spec.is_null())
        add(spec, source, "pre_tokenizer");
}

PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

void PreTokenizer::add(const nlohmann::json& spec, const std::string& source, const std::string& key)
{
    if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
        throw FormatError(source + ": key \"" + key + "\": expected an object with a \"type\", got " + spec.dump().substr(0, 120));
    const std::string type = spec["type"].get<std::string>();
    auto boolOf = [&](const char* f, bool fallback) {
        return spec.contains(f) && spec[f].is_boolean() ? spec[f].get<bool>() : fallback;
    };
    auto step = std::make_unique<Step>();
    if (type == "Sequence") {
        if (!spec.contains("pretokenizers") || !spec["pretokenizers"].is_array())
            throw FormatError(source + ": key \"" + key + ".pretokenizers\": expected an array");
        for (std::size_t i = 0; i < spec["pretokenizers"].size(); ++i)
            add(spec["pretokenizers"][i], source, key + ".pretokenizers[" + std::to_string(i) + "]");
        return;
    } else if (type == "Split") {
        step->kind = Step::Split;
        if (!spec.contains("pattern"))
            throw FormatError(source + ": key \"" + key + ".pattern\" is missing");
        step->regex.emplace(Regex::fromPattern(spec["pattern"], source, key + ".pattern"));
        const std::string behavior = spec.contains("behavior") && spec["behavior"].is_string() ? spec["behavior"].get<std::string>() : "";
        const auto b = behaviorFromName(behavior);
        if (!b)
            throw FormatError(source + ": key \"" + key + ".behavior\": \"" + behavior +
                              "\" is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
        step->behavior = *b;
        step->invert = boolOf("invert", false);
    } else if (type == "ByteLevel") {
        step->kind = Step::ByteLevel;
        step->addPrefixSpace = boolOf("add_prefix_space", true);
        if (boolOf("use_regex", true))
            step->regex.emplace(kGpt2Pattern, false, source, key);
        m_byteLevel = true;
    } else if (type == "Metaspace") {
        step->kind = Step::Metaspace;
        if (!spec.contains("replacement") || !spec["replacement"].is_string())
            throw FormatError(source + ": key \"" + key + ".replacement\": expected a one-character string");
        step->replacement = spec["replacement"].get<std::string>();
        std::size_t i = 0;
        step->replacementCp = step->replacement.empty() ? 0 : nextCodepoint(step->replacement, i);
        if (step->replacement.empty() || i != step->replacement.size())
            throw FormatError(source + ": key \"" + key + ".replacement\": expected one character, got \"" + step->replacement + "\"");
        const std::string scheme = spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string()
                                       ? spec["prepend_scheme"].get<std::string>() : "always";
        if (scheme == "always") step->prepend = Step::Always;
        else if (scheme == "first") step->prepend = Step::First;
        else if (scheme == "never") step->prepend = Step::Never;
        else throw FormatError(source + ": key \"" + key + ".prepend_scheme\": \"" + scheme + "\" is not always, first or never");
        if (spec.contains("add_prefix_space") && spec["add_prefix_space"].is_boolean() && !spec["add_prefix_space"].get<bool>())
            step->prepend = Step::Never; // the older spelling of prepend_scheme "never"
        step->metaSplit = boolOf("split", true);
    } else if (type == "Digits") {
        step->kind = Step::Digits;
        step->individualDigits = boolOf("individual_digits", false);
    } else {
        throw FormatError(source + ": key \"" + key + ".type\": pre-tokenizer \"" + type +
                          "\" is not implemented (implemented: Split, ByteLevel, Metaspace, Digits, Sequence)");
    }
    m_steps.push_back(std::move(step));
}

std::vector<std::string> PreTokenizer::split(std::string_view normalized, bool atOrigin) const
{
    std::vector<Piece> pieces;
    if (!normalized.empty())
        pieces.push_back({std::string(normalized), atOrigin});
    for (const auto& step : m_steps) {
        std::vector<Piece> next;
        next.reserve(pieces.size());
        for (const Piece& p : pieces)
            step->apply(p, next);
        pieces = std::move(next);
    }
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (Piece& p : pieces)
        out.push_back(std::move(p.text));
    return out;
}

} // namespace headscope::tok
