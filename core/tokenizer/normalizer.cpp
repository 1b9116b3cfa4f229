#include "normalizer.h"

#include "unicode_text.h"

#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace headscope::tok {

struct Normalizer::Step {
    enum Kind { Form, Lower, Strip, StripAccents, Replace, Prepend } kind;
    NormalForm form = NormalForm::NFC;
    bool left = false, right = false;  // Strip
    std::string text;                  // Replace content / Prepend text
    std::optional<Regex> pattern;      // Replace
};

namespace {

std::string typeOf(const nlohmann::json& spec, const std::string& source, const std::string& key)
{
    if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
        throw FormatError(source + ": key \"" + key + "\": expected an object with a \"type\", got " + spec.dump().substr(0, 120));
    return spec["type"].get<std::string>();
}

std::string stringField(const nlohmann::json& spec, const char* field, const std::string& source, const std::string& key)
{
    if (!spec.contains(field) || !spec[field].is_string())
        throw FormatError(source + ": key \"" + key + "." + field + "\": expected a string");
    return spec[field].get<std::string>();
}

bool boolField(const nlohmann::json& spec, const char* field, bool fallback)
{
    return spec.contains(field) && spec[field].is_boolean() ? spec[field].get<bool>() : fallback;
}

} // namespace

Normalizer::Normalizer(const nlohmann::json& spec, const std::string& source)
{
    if (!spec.is_null())
        add(spec, source, "normalizer");
}

Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;

void Normalizer::add(const nlohmann::json& spec, const std::string& source, const std::string& key)
{
    const std::string type = typeOf(spec, source, key);
    auto step = std::make_unique<Step>();
    if (type == "Sequence") {
        if (!spec.contains("normalizers") || !spec["normalizers"].is_array())
            throw FormatError(source + ": key \"" + key + ".normalizers\": expected an array");
        for (std::size_t i = 0; i < spec["normalizers"].size(); ++i)
            add(spec["normalizers"][i], source, key + ".normalizers[" + std::to_string(i) + "]");
        return;
    } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
        step->kind = Step::Form;
        step->form = type == "NFC" ? NormalForm::NFC : type == "NFD" ? NormalForm::NFD : type == "NFKC" ? NormalForm::NFKC : NormalForm::NFKD;
    } else if (type == "Lowercase") {
        step->kind = Step::Lower;
    } else if (type == "Strip") {
        step->kind = Step::Strip;
        step->left = boolField(spec, "strip_left", true);
        step->right = boolField(spec, "strip_right", true);
    } else if (type == "StripAccents") {
        step->kind = Step::StripAccents;
    } else if (type == "Replace") {
        step->kind = Step::Replace;
        if (!spec.contains("pattern"))
            throw FormatError(source + ": key \"" + key + ".pattern\" is missing");
        step->pattern.emplace(Regex::fromPattern(spec["pattern"], source, key + ".pattern"));
        step->text = stringField(spec, "content", source, key);
    } else if (type == "Prepend") {
        step->kind = Step::Prepend;
        step->text = stringField(spec, "prepend", source, key);
    } else {
        throw FormatError(source + ": key \"" + key + ".type\": normalizer \"" + type +
                          "\" is not implemented (implemented: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, "
                          "Replace, Prepend, Sequence)");
    }
    m_steps.push_back(std::move(step));
}

std::string Normalizer::normalize(std::string_view text) const
{
    std::string s(text);
    for (const auto& step : m_steps) {
        switch (step->kind) {
        case Step::Form: s = normalizeUnicode(s, step->form); break;
        case Step::Lower: s = lowercase(s); break;
        case Step::Strip: s = stripWhiteSpace(s, step->left, step->right); break;
        case Step::StripAccents: s = stripMarks(s); break;
        case Step::Replace: s = step->pattern->replaceAll(s, step->text); break;
        case Step::Prepend:
            if (!s.empty())
                s = step->text + s;
            break;
        }
    }
    return s;
}

} // namespace headscope::tok
