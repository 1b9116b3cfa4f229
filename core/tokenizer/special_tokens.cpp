// BOS/EOS policy and chat template of a tokenizer, from (in rising priority): the family's
// marker tokens, the post-processor of tokenizer.json, tokenizer_config.json and
// generation_config.json. Every token those files name must exist in tokenizer.json — a
// missing one is refused with the file and key rather than encoding without it.
#include "tokenizer_impl.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace headscope {

namespace fs = std::filesystem;

namespace {

void addUnique(std::vector<int32_t>& ids, int32_t id, bool front = false)
{
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
        return;
    if (front)
        ids.insert(ids.begin(), id);
    else
        ids.push_back(id);
}

} // namespace

void Tokenizer::Impl::readSpecialTokens(const nlohmann::json& j, const fs::path& dir)
{
    // 1. The family, recognised by its marker tokens.
    auto has = [&](const char* t) { return idOf(t).has_value(); };
    auto eosFrom = [&](std::initializer_list<const char*> names) {
        for (const char* n : names)
            if (auto id = idOf(n))
                addUnique(eos, *id);
    };
    if (has("<|begin_of_text|>")) {
        // Llama-3 checkpoints expect BOS although the published tokenizer.json's post-processor adds none.
        bos = idOf("<|begin_of_text|>");
        addsBos = true;
        chat = ChatTemplate::Llama3;
        eosFrom({"<|end_of_text|>", "<|eot_id|>"});
    } else if (has("<|im_start|>")) {
        chat = has("<think>") ? ChatTemplate::Qwen3 : ChatTemplate::ChatML;
        eosFrom({"<|im_end|>", "<|endoftext|>"});
    } else if (has("<start_of_turn>")) {
        bos = idOf("<bos>");
        addsBos = bos.has_value();
        chat = ChatTemplate::Gemma;
        eosFrom({"<end_of_turn>", "<eos>"});
    } else if (has("<|user|>") && has("<|assistant|>") && has("<|end|>")) {
        bos = idOf("<s>");
        addsBos = bos.has_value();
        chat = ChatTemplate::Phi3;
        eosFrom({"<|end|>", "<|endoftext|>"});
    } else if (has("<s>")) {
        bos = idOf("<s>");
        addsBos = true;
        chat = ChatTemplate::Mistral;
        eosFrom({"</s>"});
    }

    // 2. The post-processor: a TemplateProcessing that starts with a special token adds it as BOS.
    const nlohmann::json post = j.contains("post_processor") ? j["post_processor"] : nlohmann::json();
    std::vector<std::pair<nlohmann::json, std::string>> processors;
    if (!post.is_null())
        processors.emplace_back(post, "post_processor");
    for (std::size_t k = 0; k < processors.size(); ++k) {
        const auto [p, key] = processors[k];
        const std::string type = p.is_object() && p.contains("type") && p["type"].is_string() ? p["type"].get<std::string>() : "";
        if (type == "Sequence" && p.contains("processors") && p["processors"].is_array()) {
            for (std::size_t i = 0; i < p["processors"].size(); ++i)
                processors.emplace_back(p["processors"][i], key + ".processors[" + std::to_string(i) + "]");
        } else if (type == "TemplateProcessing") {
            if (p.contains("special_tokens") && p["special_tokens"].is_object()) {
                for (const auto& [name, entry] : p["special_tokens"].items()) {
                    const std::string where = key + ".special_tokens[\"" + name + "\"]";
                    if (!entry.is_object() || !entry.contains("ids") || !entry["ids"].is_array() || !entry.contains("tokens") ||
                        !entry["tokens"].is_array() || entry["ids"].size() != entry["tokens"].size())
                        throw FormatError(source + ": key \"" + where + "\": expected {\"ids\": [...], \"tokens\": [...]} of equal length");
                    for (std::size_t i = 0; i < entry["tokens"].size(); ++i) {
                        const std::string tokenText = entry["tokens"][i].is_string() ? entry["tokens"][i].get<std::string>() : "";
                        const auto id = idOf(tokenText);
                        if (!id)
                            throw FormatError(source + ": key \"" + where + "\": token \"" + tokenText +
                                              "\" is not in the vocabulary or added_tokens");
                        if (!entry["ids"][i].is_number_integer() || entry["ids"][i].get<int64_t>() != *id)
                            throw FormatError(source + ": key \"" + where + "\": token \"" + tokenText + "\" has id " +
                                              std::to_string(*id) + ", the post-processor says " + entry["ids"][i].dump());
                    }
                }
            }
            if (p.contains("single") && p["single"].is_array() && !p["single"].empty()) {
                const auto& first = p["single"][0];
                if (first.is_object() && first.contains("SpecialToken")) {
                    const auto& st = first["SpecialToken"];
                    const std::string name = st.is_object() && st.contains("id") && st["id"].is_string() ? st["id"].get<std::string>() : "";
                    const auto id = idOf(name);
                    if (!id)
                        throw FormatError(source + ": key \"" + key + ".single[0]\": special token \"" + name +
                                          "\" is not in the vocabulary or added_tokens");
                    bos = id;
                    addsBos = true;
                } else {
                    addsBos = false;
                }
            }
        } else if (type != "ByteLevel") {
            throw FormatError(source + ": key \"" + key + ".type\": post-processor \"" + type +
                              "\" is not implemented (implemented: TemplateProcessing, ByteLevel, Sequence)");
        }
    }

    // 3. tokenizer_config.json has the last word on BOS, EOS and the chat template.
    std::error_code ec;
    const fs::path cfgPath = dir / "tokenizer_config.json";
    if (fs::exists(cfgPath, ec)) {
        const nlohmann::json cfg = readJsonObjectFile(cfgPath);
        const std::string cfgName = cfgPath.string();
        // A token may be written as "text", as {"content": "text", ...} (AddedToken), or null.
        auto tokenOf = [&](const char* key) -> std::optional<std::string> {
            if (!cfg.contains(key) || cfg[key].is_null())
                return std::nullopt;
            const auto& v = cfg[key];
            if (v.is_string())
                return v.get<std::string>();
            if (v.is_object() && v.contains("content") && v["content"].is_string())
                return v["content"].get<std::string>();
            throw FormatError(cfgName + ": key \"" + key + "\": expected a token string, {\"content\": ...} or null, got " +
                              v.dump().substr(0, 80));
        };
        auto resolve = [&](const char* key, const std::string& text) {
            const auto id = idOf(text);
            if (!id)
                throw FormatError(cfgName + ": key \"" + key + "\": \"" + text + "\" is not a token of " + source);
            return *id;
        };
        for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
            if (const auto text = tokenOf(key)) {
                const int32_t id = resolve(key, *text);
                specialTokenStrings[key] = *text;
                if (std::string_view(key) == "eos_token")
                    addUnique(eos, id, /*front=*/true);
            }
        }
        if (cfg.contains("bos_token")) {
            const auto text = tokenOf("bos_token");
            bos = text ? std::optional<int32_t>(resolve("bos_token", *text)) : std::nullopt;
            if (!bos)
                addsBos = false;
        }
        if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean())
            addsBos = cfg["add_bos_token"].get<bool>() && bos.has_value();
        if (cfg.contains("additional_special_tokens") && cfg["additional_special_tokens"].is_array()) {
            const auto& extra = cfg["additional_special_tokens"];
            for (std::size_t i = 0; i < extra.size(); ++i) {
                const std::string key = "additional_special_tokens[" + std::to_string(i) + "]";
                const std::string text = extra[i].is_string() ? extra[i].get<std::string>()
                                         : extra[i].is_object() && extra[i].contains("content") && extra[i]["content"].is_string()
                                             ? extra[i]["content"].get<std::string>() : std::string();
                if (!idOf(text))
                    throw FormatError(cfgName + ": key \"" + key + "\": \"" + text + "\" is not a token of " + source);
            }
        }
        if (cfg.contains("chat_template") && !cfg["chat_template"].is_null()) {
            const auto& ct = cfg["chat_template"];
            if (ct.is_string()) {
                chatTemplateSource = ct.get<std::string>();
            } else if (ct.is_array()) { // named templates: [{"name": "default", "template": "..."}, ...]
                for (const auto& entry : ct)
                    if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") && entry["template"].is_string())
                        chatTemplateSource = entry["template"].get<std::string>();
                if (chatTemplateSource.empty())
                    throw FormatError(cfgName + ": key \"chat_template\": a list of named templates without one named \"default\"");
            } else {
                throw FormatError(cfgName + ": key \"chat_template\": expected a string or a list of {name, template}");
            }
            chatTemplateOrigin = cfgName + " key \"chat_template\"";
        }
    }
    // Newer checkpoints keep the template in its own file.
    const fs::path jinjaPath = dir / "chat_template.jinja";
    if (chatTemplateSource.empty() && fs::exists(jinjaPath, ec)) {
        chatTemplateSource = readFileBytes(jinjaPath);
        chatTemplateOrigin = jinjaPath.string();
    }
    if (!chatTemplateSource.empty())
        chat = ChatTemplate::Checkpoint;

    // 4. generation_config.json: the ids generation stops at (an int or a list).
    const fs::path genPath = dir / "generation_config.json";
    if (fs::exists(genPath, ec)) {
        const nlohmann::json gen = readJsonObjectFile(genPath);
        if (gen.contains("eos_token_id") && !gen["eos_token_id"].is_null()) {
            const auto& e = gen["eos_token_id"];
            std::vector<nlohmann::json> items = e.is_array() ? std::vector<nlohmann::json>(e.begin(), e.end()) : std::vector<nlohmann::json>{e};
            std::vector<int32_t> ids;
            for (const auto& v : items) {
                if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= vocabSize)
                    throw FormatError(genPath.string() + ": key \"eos_token_id\": expected token ids in [0, " + std::to_string(vocabSize) +
                                      "), got " + e.dump());
                ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
            }
            for (auto it = ids.rbegin(); it != ids.rend(); ++it)
                addUnique(eos, *it, /*front=*/true);
        }
    }
}

} // namespace headscope
