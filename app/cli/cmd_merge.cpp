// headscope-cli merge: joins the shards of one probe grid (probe --shard i/n, e.g. the tasks of
// a Slurm array job, packaging/slurm/) into one session, verifying they belong to one grid; or
// the shards of one evaluation (eval --shard i/n) or of one budget sweep (sweep --shard i/n) into
// one results file, by the same rules. The kind of the first input decides.
#include "arg_parser.h"
#include "commands.h"

#include "headscope/core/errors.h"
#include "headscope/core/eval_results.h"
#include "headscope/core/output_file.h"
#include "headscope/core/session_tools.h"
#include "headscope/core/sweep_shards.h"

#include <iostream>

namespace headscope::cli {

int runMerge(const std::vector<std::string>& args)
{
    ArgParser p("merge", "Join the shards of one probe grid, one eval run or one sweep; refuses shards of different grids, duplicate shards or tests, "
                         "and (unless --allow-missing) missing tests. Re-running a finished merge is a no-op.");
    p.positional("A.h5 B.h5 ...", "shard sessions", /*repeated=*/true)
        .option("out", "S.h5", "merged session (written only when the merge succeeds)", true)
        .flag("allow-missing", "merge even when grid tests are missing (they are listed)")
        .flag("force", "replace an existing --out that is not the merge of these shards (never a file of another kind)");
    if (!p.parse(args))
        return 0;
    std::vector<std::filesystem::path> inputs(p.positionals().begin(), p.positionals().end());
    MergeOptions options;
    options.allowMissing = p.has("allow-missing");
    options.replace = p.has("force");
    if (!inputs.empty() && identifyExisting(inputs.front()) == ExistingKind::SweepResults) {
        if (options.allowMissing)
            throw UsageError("merge: --allow-missing applies to probe and eval shards; a sweep merge needs every shard");
        const SweepMergeReport r = mergeSweepResults(inputs, p.value("out"), options.replace);
        if (r.upToDate)
            std::cout << p.value("out") << " is already the merge of these " << inputs.size() << " shards (" << r.tests
                      << " tests); nothing written\n";
        else
            std::cout << "wrote " << p.value("out") << ": " << r.tests << " tests from " << inputs.size() << " of "
                      << r.shardCount << " sweep shards\n";
        return 0;
    }
    if (!inputs.empty() && EvalReader::isEvalFile(inputs.front())) {
        const EvalMergeReport r = mergeEvalResults(inputs, p.value("out"), options.allowMissing);
        if (!r.missing.empty())
            std::cerr << "merge: " << r.missing.size() << " of " << r.examplesTotal << " examples missing (first: "
                      << r.missing.front() << ")\n";
        if (r.upToDate)
            std::cout << p.value("out") << " is already the merge of these " << inputs.size() << " files (" << r.examples
                      << " examples); nothing written\n";
        else
            std::cout << "wrote " << p.value("out") << ": " << r.examples << " examples from " << inputs.size()
                      << " files\n";
        return 0;
    }
    const MergeReport r = mergeSessions(inputs, p.value("out"), options);
    if (!r.missing.empty()) {
        std::cerr << "merge: " << r.missing.size() << " of " << r.gridTests << " grid tests missing:\n";
        for (const std::string& t : r.missing)
            std::cerr << "  " << t << "\n";
    }
    if (r.upToDate)
        std::cout << p.value("out") << " is already the merge of these " << inputs.size() << " shards (" << r.tests
                  << " tests); nothing written\n";
    else
        std::cout << "wrote " << p.value("out") << ": " << r.tests << " of " << r.gridTests << " grid tests from "
                  << inputs.size() << " of " << r.shardCount << " shards\n";
    return 0;
}

} // namespace headscope::cli
