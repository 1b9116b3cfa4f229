#include "decoder.h"

#include "byte_level.h"
#include "regex.h"
#include "unicode_text.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace headscope::tok {

namespace {

constexpr const char* kReplacementChar = "\xef\xbf\xbd"; // U+FFFD

std::optional<uint8_t> byteToken(const std::string& t)
{
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t.back() != '>')
        return std::nullopt;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    const int hi = hex(t[3]), lo = hex(t[4]);
    if (hi < 0 || lo < 0)
        return std::nullopt;
    return static_cast<uint8_t>(hi * 16 + lo);
}

std::vector<std::string> splitChars(const std::string& s)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        nextCodepoint(s, i);
        out.push_back(s.substr(start, i - start));
    }
    return out;
}

} // namespace

struct Decoder::Step {
    enum Kind { ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace } kind;
    std::optional<Regex> pattern;
    std::string content;          // Replace content, Strip character, Metaspace replacement
    std::size_t start = 0, stop = 0;
    bool metaPrependsFirst = true; // Metaspace: prepend_scheme is not "never"

    void apply(std::vector<std::string>& tokens) const
    {
        switch (kind) {
        case ByteLevel: {
            const ByteLevelTable& table = ByteLevelTable::instance();
            std::string bytes;
            for (const std::string& t : tokens) {
                if (auto b = table.decodeStrict(t))
                    bytes += *b;
                else
                    bytes += t; // a character outside the table: the token's own bytes
            }
            tokens.assign(1, toValidUtf8(bytes));
            break;
        }
        case Replace:
            for (std::string& t : tokens)
                t = pattern->replaceAll(t, content);
            break;
        case ByteFallback: {
            std::vector<std::string> out;
            std::string pending;
            auto flush = [&] {
                if (pending.empty())
                    return;
                if (isValidUtf8(pending)) {
                    out.push_back(pending);
                } else {
                    for (std::size_t i = 0; i < pending.size(); ++i)
                        out.emplace_back(kReplacementChar);
                }
                pending.clear();
            };
            for (std::string& t : tokens) {
                if (auto b = byteToken(t)) {
                    pending.push_back(static_cast<char>(*b));
                } else {
                    flush();
                    out.push_back(std::move(t));
                }
            }
            flush();
            tokens = std::move(out);
            break;
        }
        case Fuse: {
            std::string joined;
            for (const std::string& t : tokens)
                joined += t;
            tokens.assign(1, joined);
            break;
        }
        case Strip:
            for (std::string& t : tokens) {
                const std::vector<std::string> chars = splitChars(t);
                std::size_t begin = 0, end = chars.size();
                for (std::size_t i = 0; i < start && i < chars.size() && chars[i] == content; ++i)
                    begin = i + 1;
                for (std::size_t i = 0; i < stop && i < chars.size() && chars[chars.size() - i - 1] == content; ++i)
                    end = chars.size() - i - 1;
                std::string s;
                for (std::size_t i = begin; i < end; ++i)
                    s += chars[i];
                t = std::move(s);
            }
            break;
        case Metaspace:
            for (std::size_t k = 0; k < tokens.size(); ++k) {
                std::string s;
                for (const std::string& c : splitChars(tokens[k])) {
                    if (c != content)
                        s += c;
                    else if (!(k == 0 && metaPrependsFirst))
                        s.push_back(' ');
                }
                tokens[k] = std::move(s);
            }
            break;
        }
    }
};

Decoder::Decoder(const nlohmann::json& spec, const std::string& source)
{
    if (!spec.is_null()) {
        m_none = false;
        add(spec, source, "decoder");
    }
}

Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

void Decoder::add(const nlohmann::json& spec, const std::string& source, const std::string& key)
{
    if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
        throw FormatError(source + ": key \"" + key + "\": expected an object with a \"type\", got " + spec.dump().substr(0, 120));
    const std::string type = spec["type"].get<std::string>();
    auto str = [&](const char* f) {
        if (!spec.contains(f) || !spec[f].is_string())
            throw FormatError(source + ": key \"" + key + "." + f + "\": expected a string");
        return spec[f].get<std::string>();
    };
    auto count = [&](const char* f) -> std::size_t {
        if (!spec.contains(f) || !spec[f].is_number_integer() || spec[f].get<int64_t>() < 0)
            throw FormatError(source + ": key \"" + key + "." + f + "\": expected a non-negative integer");
        return static_cast<std::size_t>(spec[f].get<int64_t>());
    };
    auto step = std::make_unique<Step>();
    if (type == "Sequence") {
        if (!spec.contains("decoders") || !spec["decoders"].is_array())
            throw FormatError(source + ": key \"" + key + ".decoders\": expected an array");
        for (std::size_t i = 0; i < spec["decoders"].size(); ++i)
            add(spec["decoders"][i], source, key + ".decoders[" + std::to_string(i) + "]");
        return;
    } else if (type == "ByteLevel") {
        step->kind = Step::ByteLevel;
    } else if (type == "Replace") {
        step->kind = Step::Replace;
        if (!spec.contains("pattern"))
            throw FormatError(source + ": key \"" + key + ".pattern\" is missing");
        step->pattern.emplace(Regex::fromPattern(spec["pattern"], source, key + ".pattern"));
        step->content = str("content");
    } else if (type == "ByteFallback") {
        step->kind = Step::ByteFallback;
    } else if (type == "Fuse") {
        step->kind = Step::Fuse;
    } else if (type == "Strip") {
        step->kind = Step::Strip;
        step->content = str("content");
        if (splitChars(step->content).size() != 1)
            throw FormatError(source + ": key \"" + key + ".content\": expected one character, got \"" + step->content + "\"");
        step->start = count("start");
        step->stop = count("stop");
    } else if (type == "Metaspace") {
        step->kind = Step::Metaspace;
        step->content = str("replacement");
        const std::string scheme = spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string()
                                       ? spec["prepend_scheme"].get<std::string>() : "always";
        const bool oldNever = spec.contains("add_prefix_space") && spec["add_prefix_space"].is_boolean() &&
                              !spec["add_prefix_space"].get<bool>();
        step->metaPrependsFirst = scheme != "never" && !oldNever;
    } else {
        throw FormatError(source + ": key \"" + key + ".type\": decoder \"" + type +
                          "\" is not implemented (implemented: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)");
    }
    m_steps.push_back(std::move(step));
}

std::string Decoder::decode(std::vector<std::string> tokens) const
{
    if (m_none) {
        std::string out;
        for (std::size_t i = 0; i < tokens.size(); ++i)
            out += (i ? " " : "") + tokens[i];
        return out;
    }
    for (const auto& step : m_steps)
        step->apply(tokens);
    std::string out;
    for (const std::string& t : tokens)
        out += t;
    return out;
}

} // namespace headscope::tok
