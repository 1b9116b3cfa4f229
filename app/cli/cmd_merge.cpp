// headscope-cli merge: joins shards of one probe grid (probe --shard i/n) into one session, or
// shards of one evaluation (eval --shard i/n) into one results file.
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/errors.h"
#include "headscope/core/eval_results.h"
#include "headscope/core/session_tools.h"

#include <iostream>

namespace headscope::cli {

int runMerge(const std::vector<std::string>& args)
{
    ArgParser p("merge", "Join shards of one probe grid or one eval run; refuses files whose manifests disagree.");
    p.positional("A.h5 B.h5 ...", "sessions to merge", /*repeated=*/true).option("out", "S.h5", "merged session", true);
    if (!p.parse(args))
        return 0;
    std::vector<std::filesystem::path> inputs(p.positionals().begin(), p.positionals().end());
    if (!inputs.empty() && EvalReader::isEvalFile(inputs.front())) {
        const EvalMergeReport r = mergeEvalResults(inputs, p.value("out"));
        std::cout << "wrote " << p.value("out") << ": " << r.examples << " examples from " << inputs.size() << " files";
        if (!r.missing.empty())
            std::cout << "; " << r.missing.size() << " examples missing (first: " << r.missing.front() << ")";
        std::cout << "\n";
        return 0;
    }
    const int n = mergeSessions(inputs, p.value("out"));
    std::cout << "wrote " << p.value("out") << ": " << n << " tests from " << inputs.size() << " sessions\n";
    return 0;
}

} // namespace headscope::cli
