// Chat prompts. With a checkpoint template (tokenizer_config.json "chat_template" or
// chat_template.jinja) the prompt is that template rendered the way transformers'
// apply_chat_template does; the built-in templates reproduce, for one user turn, what each
// family's own template renders (tests compare both against @huggingface/jinja).
#include "tokenizer_impl.h"

#include "jinja/jinja.h"
#include "jinja/jinja_builtins.h"

#include "common/json_input.h"
#include "headscope/core/errors.h"

#include <nlohmann/json.hpp>

#include <array>

namespace headscope {

namespace {

constexpr std::array<std::pair<ChatTemplate, std::string_view>, 8> kNames = {{
    {ChatTemplate::Plain, "plain"},
    {ChatTemplate::Llama3, "llama3"},
    {ChatTemplate::Mistral, "mistral"},
    {ChatTemplate::ChatML, "chatml"},
    {ChatTemplate::Gemma, "gemma"},
    {ChatTemplate::Phi3, "phi3"},
    {ChatTemplate::Qwen3, "qwen3"},
    {ChatTemplate::Checkpoint, "checkpoint"},
}};

// Python's str.strip(), which the Llama-3 and Gemma templates apply through Jinja's trim filter.
std::string pyTrim(std::string_view s)
{
    return jinja::pyStrip(std::string(s), nullptr, true, true);
}

} // namespace

std::string_view chatTemplateName(ChatTemplate t)
{
    for (const auto& [value, name] : kNames)
        if (value == t)
            return name;
    return "plain";
}

std::optional<ChatTemplate> chatTemplateFromName(std::string_view name)
{
    for (const auto& [value, n] : kNames)
        if (n == name)
            return value;
    return std::nullopt;
}

std::string renderChatTemplate(std::string_view jinjaSource, std::string_view variablesJson)
{
    // The template engine walks the variables recursively: bound their nesting first.
    json_input::checkDepth(variablesJson, "chat template variables");
    nlohmann::ordered_json vars;
    try {
        vars = nlohmann::ordered_json::parse(variablesJson);
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(std::string("chat template variables: not valid JSON: ") + e.what());
    }
    if (!vars.is_object())
        throw UsageError("chat template variables: expected a JSON object");
    return jinja::Template(jinjaSource).render(vars);
}

std::string Tokenizer::applyChatTemplate(std::string_view userMessage, ChatTemplate t) const
{
    const Impl& d = *m_impl;
    const std::string msg(userMessage);
    const std::string bos = d.bos ? idToToken(*d.bos) : std::string();
    switch (t) {
    case ChatTemplate::Plain: return msg;
    case ChatTemplate::Llama3:
        return bos + "<|start_header_id|>user<|end_header_id|>\n\n" + pyTrim(msg) +
               "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    case ChatTemplate::Mistral: return bos + "[INST] " + msg + " [/INST]";
    case ChatTemplate::ChatML: return "<|im_start|>user\n" + msg + "<|im_end|>\n<|im_start|>assistant\n";
    case ChatTemplate::Qwen3: return "<|im_start|>user\n" + msg + "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
    case ChatTemplate::Gemma: return bos + "<start_of_turn>user\n" + pyTrim(msg) + "<end_of_turn>\n<start_of_turn>model\n";
    case ChatTemplate::Phi3: return "<|user|>\n" + msg + "<|end|>\n<|assistant|>\n";
    case ChatTemplate::Checkpoint: {
        if (d.chatTemplateSource.empty())
            throw UsageError(d.source + ": the checkpoint has no chat template (no \"chat_template\" in tokenizer_config.json "
                                        "and no chat_template.jinja); choose a built-in one");
        // The variables transformers' apply_chat_template passes, thinking off.
        nlohmann::ordered_json vars;
        vars["messages"] = nlohmann::ordered_json::array({{{"role", "user"}, {"content", msg}}});
        vars["tools"] = nullptr;
        vars["documents"] = nullptr;
        vars["add_generation_prompt"] = true;
        vars["enable_thinking"] = false;
        for (const auto& [key, text] : d.specialTokenStrings)
            vars[key] = text;
        try {
            return jinja::Template(d.chatTemplateSource).render(vars);
        } catch (const FormatError& e) {
            throw FormatError(d.chatTemplateOrigin + ": " + e.what());
        }
    }
    }
    return msg;
}

} // namespace headscope
