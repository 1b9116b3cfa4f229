#pragma once
// A Jinja subset for Hugging Face chat templates, with the environment transformers uses
// (trim_blocks, lstrip_blocks, loop controls, Python semantics for values and filters, its
// own tojson). What is implemented is listed in docs/tokenizers.md; anything else in a
// template — statement, filter, test, function — is refused by name when it is parsed.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace headscope::jinja {

class Template {
public:
    // Throws FormatError ("line L: ...") for syntax errors and unimplemented constructs.
    explicit Template(std::string_view source);
    ~Template();
    Template(Template&&) noexcept;
    Template& operator=(Template&&) noexcept;

    // `variables` is a JSON object (messages, add_generation_prompt, bos_token, ...).
    // Throws FormatError for type errors and UsageError for raise_exception.
    std::string render(const nlohmann::ordered_json& variables) const;

    struct Program;

private:
    std::unique_ptr<Program> m_program;
};

} // namespace headscope::jinja
