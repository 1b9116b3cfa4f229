// libFuzzer: tokenizer.json and a text → Tokenizer::fromFile, encode, decode, chat templates.
// The input is the file's bytes, a NUL, then the text (JSON text holds no raw NUL). Encoded ids
// must lie in the vocabulary; decoding them and looking them up must not fail.
#include "fuzz_support.h"

#include "headscope/core/errors.h"
#include "headscope/core/tokenizer.h"

#include <cstdint>
#include <cstring>

using namespace headscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    const std::string_view input = fuzz::asText(data, size);
    const std::size_t nul = input.find('\0');
    const std::string_view json = input.substr(0, nul);
    const std::string text = nul == std::string_view::npos ? std::string("Hello world") : std::string(input.substr(nul + 1));
    const auto dir = fuzz::scratchDir() / "tokenizer";
    std::filesystem::create_directories(dir);
    fuzz::writeFile(dir / "tokenizer.json", json);
    std::optional<Tokenizer> tok;
    try {
        tok.emplace(Tokenizer::fromFile(dir / "tokenizer.json"));
    } catch (const Error&) {
        return 0;
    }
    try {
        for (ChatTemplate t : {ChatTemplate::Plain, ChatTemplate::Llama3, ChatTemplate::Mistral, ChatTemplate::ChatML}) {
            const std::vector<int32_t> ids = tok->encode(tok->applyChatTemplate(text, t), t == ChatTemplate::Mistral);
            for (int32_t id : ids) {
                HEADSCOPE_FUZZ_CHECK(id >= 0 && id < tok->vocabSize());
                (void)tok->idToToken(id);
            }
            (void)tok->decode(ids, false);
            (void)tok->decode(ids, true);
        }
        (void)tok->tokenToId(text);
        (void)tok->defaultChatTemplate();
    } catch (const Error&) {
        // A file the loader accepted may still be refused for one text (e.g. a piece with no
        // byte fallback); that is an error, not a crash.
    }
    return 0;
}
