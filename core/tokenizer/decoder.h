#pragma once
// tokenizer.json's "decoder": turns the token strings of a sequence back into text, as a
// chain of steps each mapping a list of strings to a list of strings (Hugging Face's
// decode_chain), joined at the end. Implemented: ByteLevel, Replace, ByteFallback, Fuse, Strip,
// Metaspace, Sequence; none at all joins tokens with spaces. Others are refused by name.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace headscope::tok {

class Decoder {
public:
    Decoder(const nlohmann::json& spec, const std::string& source);
    ~Decoder();
    Decoder(Decoder&&) noexcept;
    Decoder& operator=(Decoder&&) noexcept;

    std::string decode(std::vector<std::string> tokens) const;

private:
    struct Step;
    void add(const nlohmann::json& spec, const std::string& source, const std::string& key);
    std::vector<std::unique_ptr<Step>> m_steps;
    bool m_none = true;
};

} // namespace headscope::tok
