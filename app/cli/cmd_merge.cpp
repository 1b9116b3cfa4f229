// headscope-cli merge: joins shards of one probe grid (probe --shard i/n) into one session.
#include "arg_parser.h"
#include "commands.h"
#include "output_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/session_tools.h"

#include <iostream>

namespace headscope::cli {

int runMerge(const std::vector<std::string>& args)
{
    ArgParser p("merge", "Join shards of one probe grid; refuses sessions whose manifests disagree.");
    p.positional("A.h5 B.h5 ...", "sessions to merge", /*repeated=*/true);
    addOutputOptions(p, "S.h5", "merged session");
    if (!p.parse(args))
        return 0;
    const auto out = outputFromArgs(p, OutputKind::Session);
    std::vector<std::filesystem::path> inputs(p.positionals().begin(), p.positionals().end());
    // Written to a staging file and renamed into place: a refused merge leaves nothing behind.
    const int n = mergeSessions(inputs, out->staging());
    out->commit();
    std::cout << "wrote " << p.value("out") << ": " << n << " tests from " << inputs.size() << " sessions\n";
    return 0;
}

} // namespace headscope::cli
