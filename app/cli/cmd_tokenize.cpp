// headscope-cli tokenize: text → ids, or ids → text with --decode.
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

namespace headscope::cli {

int runTokenize(const std::vector<std::string>& args)
{
    ArgParser p("tokenize", "Encode text with a checkpoint's tokenizer.json, or decode ids with --decode.");
    p.option("model", "DIR", "checkpoint directory holding tokenizer.json")
        .option("tokenizer", "FILE|DIR", "a tokenizer.json file, or a checkpoint directory holding one")
        .option("text", "TEXT", "text to encode")
        .option("file", "FILE", "encode the contents of FILE")
        .flag("add-bos", "prepend the BOS token")
        .flag("decode", "decode --ids instead of encoding")
        .option("ids", "1,2,3", "ids to decode")
        .flag("json", "print {\"ids\": [...]} (or {\"text\": ...} with --decode)")
        .note("One of --model or --tokenizer; one of --text or --file (or --decode --ids).");
    if (!p.parse(args))
        return 0;
    if (p.has("model") == p.has("tokenizer"))
        throw UsageError("tokenize: give exactly one of --model DIR or --tokenizer FILE");
    const Tokenizer tok = p.has("model") ? Tokenizer::fromDirectory(p.value("model")) : Tokenizer::fromPath(p.value("tokenizer"));
    if (p.has("decode")) {
        std::vector<int32_t> ids;
        for (int id : parseIntList(p.value("ids"), "--ids"))
            ids.push_back(id);
        tok.checkIds(ids); // an id the vocabulary does not have is an error here, not skipped
        const std::string text = tok.decode(ids);
        if (p.has("json"))
            std::cout << nlohmann::json{{"text", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        else
            std::cout << text << "\n";
        return 0;
    }
    if (p.has("text") == p.has("file"))
        throw UsageError("tokenize: give exactly one of --text or --file");
    std::string text;
    if (p.has("text")) {
        text = p.value("text");
    } else {
        text = readFileBytes(p.value("file"), "--file");
    }
    const std::vector<int32_t> ids = tok.encode(text, p.has("add-bos"));
    if (p.has("json")) {
        std::cout << nlohmann::json{{"ids", ids}}.dump() << "\n";
        return 0;
    }
    for (std::size_t i = 0; i < ids.size(); ++i)
        std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
    return 0;
}

} // namespace headscope::cli
