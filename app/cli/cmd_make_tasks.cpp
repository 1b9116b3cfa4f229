// headscope-cli make-tasks: RULER-style synthetic tasks written by HeadScope (single needle,
// multi-key with distractor keys, multi-value, multi-query, variable tracking, common words) at
// lengths measured in a tokenizer's tokens, as RULER JSONL that `eval` runs like any file.
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/errors.h"
#include "headscope/core/output_file.h"
#include "headscope/core/score_file.h"
#include "headscope/core/task_generator.h"

#include <cstdio>
#include <sstream>

namespace headscope::cli {

int runMakeTasks(const CommandArgs& args)
{
    ArgParser p("make-tasks", "Write RULER-style synthetic long-context tasks (RULER's JSONL fields) for `eval`.");
    p.option("kind", "K1,K2|all", "single, multikey, multivalue, multiquery, vartrack, commonwords", false, "single")
        .option("lengths", "L1,L2", "total lengths in tokens (prompt + answer), as RULER counts them", true)
        .option("count", "N", "tasks per kind and length", false, "10")
        .option("seed", "S", "random seed", false, "1")
        .option("model", "DIR", "measure lengths with this checkpoint's tokenizer")
        .option("tokenizer", "PATH", "… or with this tokenizer.json (or its directory)")
        .option("keys", "N", "multikey: facts in the context, the asked one included", false, "4")
        .option("values", "N", "multivalue: values of the asked key", false, "4")
        .option("queries", "N", "multiquery: keys asked for at once", false, "3")
        .option("hops", "N", "vartrack: names in the asked chain", false, "4")
        .option("chains", "N", "vartrack: chains, the asked one included", false, "2")
        .option("common-words", "N", "commonwords: words asked for", false, "10")
        .option("value-digits", "N", "digits of a fact's value", false, "4")
        .option("haystack-seed", "S", "seed of the synthetic filler prose", false, "1")
        .option("out", "tasks.jsonl", "output file", true)
        .flag("force", "replace an existing task file at --out (never a file of another kind)")
        .note("Give exactly one of --model or --tokenizer.");
    if (!p.parse(args))
        return 0;
    if (p.has("model") == p.has("tokenizer"))
        throw UsageError("make-tasks: give exactly one of --model DIR or --tokenizer PATH");
    OutputTarget target(p.value("out"), OutputKind::TaskFile, p.has("force")); // refused before any work
    const Tokenizer tokenizer = p.has("model") ? Tokenizer::fromDirectory(p.value("model"))
                                               : Tokenizer::fromPath(p.value("tokenizer"));
    std::vector<TaskKind> kinds;
    if (p.value("kind") == "all") {
        kinds = allTaskKinds();
    } else {
        std::stringstream in(p.value("kind"));
        for (std::string k; std::getline(in, k, ',');)
            if (!k.empty())
                kinds.push_back(parseTaskKind(k));
    }
    TaskOptions o;
    o.keys = p.intValue("keys");
    o.values = p.intValue("values");
    o.queries = p.intValue("queries");
    o.hops = p.intValue("hops");
    o.chains = p.intValue("chains");
    o.commonWords = p.intValue("common-words");
    o.valueDigits = p.intValue("value-digits");
    if (o.valueDigits < 1 || o.valueDigits > 18)
        throw UsageError("--value-digits: expected 1..18, got " + p.value("value-digits"));
    o.haystackSeed = std::stoull(p.value("haystack-seed"));
    const auto lengths = parseIntList(p.value("lengths"), "--lengths");
    const int count = p.intValue("count");
    const uint64_t seed = std::stoull(p.value("seed"));
    std::vector<GeneratedTask> all;
    for (TaskKind kind : kinds) {
        for (GeneratedTask& t : generateTasks(tokenizer, kind, lengths, count, seed, o)) {
            t.index = static_cast<int>(all.size());
            all.push_back(std::move(t));
        }
    }
    writeOutputText(target, tasksToJsonl(all));
    std::printf("wrote %s: %zu tasks (%zu kinds × %zu lengths × %d)\n", p.value("out").c_str(), all.size(), kinds.size(),
                lengths.size(), count);
    return 0;
}

} // namespace headscope::cli
