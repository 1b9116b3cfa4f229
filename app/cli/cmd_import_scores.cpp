// headscope-cli import-scores: a HeadKV / Retrieval_Head / DiliLazyKV head-score file as a
// session, mapped by parsing "layer-head" keys (never by file order), with a report of what
// was found: shape, missing heads, list lengths, and whether keys were out of order.
#include "arg_parser.h"
#include "commands.h"
#include "output_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/session_tools.h"

#include <iostream>

namespace headscope::cli {

int runImportScores(const std::vector<std::string>& args)
{
    ArgParser p("import-scores", "Import a head-score JSON file (HeadKV, Retrieval_Head, DiliLazyKV) as a session.");
    p.positional("FILE.json", "score file")
        .option("metric", "NAME", "metric the file holds (inf, dili, lazy, retrieval, reasoning)", false, "retrieval")
        .option("layers", "L", "model layers (validates the file)")
        .option("heads", "H", "model query heads (validates the file)")
        .option("kv-heads", "K", "model KV heads (a file may be per KV head)")
        .option("section", "NAME", "section of a nested DiliLazyKV file");
    addOutputOptions(p, "S.h5", "session to write");
    if (!p.parse(args))
        return 0;
    if (p.positionals().size() != 1)
        throw UsageError("import-scores: give one score file");
    const auto out = outputFromArgs(p, OutputKind::Session);
    ScoreFileImportOptions o;
    if (p.has("layers"))
        o.layers = p.intValue("layers", 1, 100000);
    if (p.has("heads"))
        o.queryHeads = p.intValue("heads", 1, 100000);
    if (p.has("kv-heads"))
        o.kvHeads = p.intValue("kv-heads", 1, 100000);
    if (p.has("section"))
        o.section = p.value("section");
    // Written to a staging file and renamed into place: a refused import leaves nothing behind.
    const ImportedScores r = importScoresAsSession(p.positionals()[0], out->staging(), parseHeadMetric(p.value("metric")), o);
    out->commit();
    std::cout << "imported " << p.positionals()[0] << " (" << r.format << (r.section.empty() ? "" : ", section " + r.section)
              << ")\n  shape            " << r.matrix.layers << " layers × " << r.matrix.heads << " heads\n"
              << "  missing heads    " << r.missingHeads << "\n"
              << "  values per head  " << r.minListLength << (r.minListLength == r.maxListLength ? "" : "…" + std::to_string(r.maxListLength))
              << "\n  key order        " << (r.canonicalOrder ? "canonical (layer-major)" : "OUT OF ORDER (mapped by key)") << "\n"
              << "  sha256           " << r.sha256 << "\n";
    for (const std::string& w : r.warnings)
        std::cout << "  warning: " << w << "\n";
    std::cout << "wrote " << p.value("out") << "\n";
    return 0;
}

} // namespace headscope::cli
