#include "pre_tokenizer.h"

#include "byte_level.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>
#include <pcre2.h> // PCRE2_UTF, PCRE2_UCP, pcre2_match (PCRE2_CODE_UNIT_WIDTH=8 set by CMake)

namespace headscope::tok {

// GPT-2's pattern, used by a ByteLevel pre-tokenizer with use_regex = true.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class Regex {
public:
    Regex(const std::string& pattern, const std::string& source)
    {
        int err = 0;
        PCRE2_SIZE offset = 0;
        m_code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                               &err, &offset, nullptr);
        if (!m_code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            throw FormatError(source + ": pre_tokenizer regex does not compile at offset " + std::to_string(offset) +
                              ": " + reinterpret_cast<const char*>(msg));
        }
        pcre2_jit_compile(m_code, PCRE2_JIT_COMPLETE); // optional speed-up; falls back silently
        m_match = pcre2_match_data_create_from_pattern(m_code, nullptr);
    }
    ~Regex()
    {
        pcre2_match_data_free(m_match);
        pcre2_code_free(m_code);
    }
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // "Isolated" split: matches become pieces, and so does the text between matches.
    void split(std::string_view text, std::vector<std::string>& out) const
    {
        std::size_t pos = 0, lastEnd = 0;
        while (pos <= text.size()) {
            const int rc = pcre2_match(m_code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos,
                                       PCRE2_NO_UTF_CHECK, m_match, nullptr);
            if (rc < 0)
                break;
            const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m_match);
            const std::size_t s = ov[0], e = ov[1];
            if (s > lastEnd)
                out.emplace_back(text.substr(lastEnd, s - lastEnd));
            if (e > s)
                out.emplace_back(text.substr(s, e - s));
            lastEnd = e;
            if (e == s) {
                if (e >= text.size())
                    break;
                std::size_t next = e;
                nextCodepoint(text, next);
                pos = next;
            } else {
                pos = e;
            }
        }
        if (lastEnd < text.size())
            out.emplace_back(text.substr(lastEnd));
    }

private:
    pcre2_code* m_code = nullptr;
    pcre2_match_data* m_match = nullptr;
};

namespace {

using NormSteps = std::vector<std::pair<int, std::pair<std::string, std::string>>>;

void addNormalizer(const nlohmann::json& n, const std::string& source, NormSteps& steps)
{
    if (n.is_null())
        return;
    const std::string type = n.value("type", std::string());
    if (type == "Sequence") {
        for (const auto& sub : n.at("normalizers"))
            addNormalizer(sub, source, steps);
    } else if (type == "Prepend") {
        steps.push_back({0, {n.at("prepend").get<std::string>(), {}}});
    } else if (type == "Replace") {
        const auto& pattern = n.at("pattern");
        if (!pattern.contains("String"))
            throw FormatError(source + ": normalizer Replace with a regex pattern is not supported");
        steps.push_back({1, {pattern.at("String").get<std::string>(), n.at("content").get<std::string>()}});
    } else if (type == "NFC") {
        steps.push_back({2, {}});
    } else {
        throw FormatError(source + ": normalizer type \"" + type + "\" is not supported (supported: Prepend, Replace, NFC, Sequence)");
    }
}

} // namespace

TextPipeline::TextPipeline(const nlohmann::json& normalizer, const nlohmann::json& pre, const std::string& source)
{
    NormSteps steps;
    addNormalizer(normalizer, source, steps);
    for (auto& [kind, ab] : steps)
        m_norm.push_back({static_cast<NormStep::Kind>(kind), ab.first, ab.second});

    std::vector<nlohmann::json> items;
    if (!pre.is_null()) {
        if (pre.value("type", std::string()) == "Sequence")
            items.assign(pre.at("pretokenizers").begin(), pre.at("pretokenizers").end());
        else
            items.push_back(pre);
    }
    for (const auto& p : items) {
        const std::string type = p.value("type", std::string());
        if (type == "Split") {
            const auto& pattern = p.at("pattern");
            const std::string regex = pattern.contains("Regex") ? pattern.at("Regex").get<std::string>() : std::string();
            if (regex.empty())
                throw FormatError(source + ": pre_tokenizer Split needs a Regex pattern");
            const std::string behavior = p.value("behavior", std::string("Isolated"));
            if (behavior != "Isolated" || p.value("invert", false))
                throw FormatError(source + ": pre_tokenizer Split behavior \"" + behavior + "\" is not supported (Isolated only)");
            m_splits.push_back(std::make_unique<Regex>(regex, source));
        } else if (type == "ByteLevel") {
            m_byteLevel = true;
            if (p.value("add_prefix_space", false))
                throw FormatError(source + ": ByteLevel add_prefix_space=true is not supported");
            if (p.value("use_regex", true))
                m_splits.push_back(std::make_unique<Regex>(kGpt2Pattern, source));
        } else {
            throw FormatError(source + ": pre_tokenizer type \"" + type + "\" is not supported (supported: Split, ByteLevel, Sequence)");
        }
    }
}

TextPipeline::~TextPipeline() = default;
TextPipeline::TextPipeline(TextPipeline&&) noexcept = default;
TextPipeline& TextPipeline::operator=(TextPipeline&&) noexcept = default;

std::string TextPipeline::normalize(std::string_view text) const
{
    std::string s(text);
    for (const NormStep& step : m_norm) {
        switch (step.kind) {
        case NormStep::Prepend:
            if (!s.empty())
                s = step.a + s;
            break;
        case NormStep::Replace: {
            if (step.a.empty())
                break;
            std::string r;
            std::size_t pos = 0;
            for (std::size_t hit; (hit = s.find(step.a, pos)) != std::string::npos; pos = hit + step.a.size())
                r.append(s, pos, hit - pos).append(step.b);
            r.append(s, pos, std::string::npos);
            s = std::move(r);
            break;
        }
        case NormStep::Nfc:
            // Text HeadScope feeds (haystacks, needles, questions) is already NFC; a full
            // composition table would need ICU or utf8proc.
            break;
        }
    }
    return s;
}

std::vector<std::string> TextPipeline::preTokenize(std::string_view normalized) const
{
    std::vector<std::string> pieces{std::string(normalized)};
    for (const auto& regex : m_splits) {
        std::vector<std::string> next;
        for (const std::string& p : pieces)
            regex->split(p, next);
        pieces = std::move(next);
    }
    if (m_byteLevel) {
        const ByteLevelTable& table = ByteLevelTable::instance();
        for (std::string& p : pieces)
            p = table.encode(p);
    }
    return pieces;
}

} // namespace headscope::tok
