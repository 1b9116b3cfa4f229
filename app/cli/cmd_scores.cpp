// headscope-cli scores: aggregate a session's per-test head scores (metric, gate, threshold,
// subset) and export them as HeadKV JSON (one line, canonical "layer-head" order, per-test
// lists of the accepted tests), DiliLazyKV-style JSON, or CSV.
#include "arg_parser.h"
#include "commands.h"
#include "output_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_file.h"
#include "headscope/core/session.h"

#include <iostream>

namespace headscope::cli {

int runScores(const std::vector<std::string>& args)
{
    ArgParser p("scores", "Aggregate and export a session's head scores.");
    p.option("session", "S.h5", "probe session", true)
        .option("metric", "NAME", "inf|dili|lazy|retrieval|reasoning|diligent|subconscious|distracted|diffuse", false, "inf")
        .option("gate", "none|rouge1|qaf1", "gate applied to tests", false, "none")
        .option("threshold", "X", "gate threshold (×100); tests above it are kept", false, "50")
        .option("lengths", "L1,L2", "only these context lengths")
        .option("depths", "D1,D2", "only these depths (fractions)")
        .option("export", "headkv|dililazykv|csv", "output format", false, "headkv");
    addOutputOptions(p, "FILE", "output file");
    if (!p.parse(args))
        return 0;
    const auto out = outputFromArgs(p, OutputKind::ScoreFile);
    const auto reader = SessionReader::open(p.value("session"));
    SessionQuery q;
    q.metric = parseHeadMetric(p.value("metric"));
    q.gate = parseGate(p.value("gate"));
    q.threshold = p.doubleValue("threshold");
    if (p.has("lengths"))
        q.lengths = parseIntList(p.value("lengths"), "--lengths");
    if (p.has("depths"))
        q.depths = parseDoubleList(p.value("depths"), "--depths");
    const SessionAggregate a = reader->aggregate(q);
    const std::string format = p.value("export");
    std::string text;
    if (format == "headkv")
        text = exportHeadKvJson(a.mean, a.lists);
    else if (format == "dililazykv")
        text = exportDiliLazyKvJson(a.mean, a.lists);
    else if (format == "csv")
        text = exportScoreCsv(a.mean);
    else
        throw UsageError("--export: expected headkv, dililazykv or csv, got '" + format + "'");
    writeOutputText(*out, text);
    std::cout << "wrote " << p.value("out") << ": " << a.mean.layers << "×" << a.mean.heads << " heads, metric "
              << p.value("metric") << ", " << a.testsAccepted << " of " << a.testsConsidered << " tests accepted\n";
    return 0;
}

} // namespace headscope::cli
