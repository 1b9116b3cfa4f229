// headscope-cli import-scores: a published head-score file in any importable format of the
// registry (score_formats.h) as a session, placed by parsing keys and checked against the
// model's shape, with a report of what was found: format, shape, how the head axis was read
// (query or KV heads), missing heads, list lengths, key order.
#include "arg_parser.h"
#include "commands.h"
#include "model_shape_args.h"

#include "headscope/core/errors.h"
#include "headscope/core/score_formats.h"
#include "headscope/core/session_tools.h"

#include <iostream>

namespace headscope::cli {

int runImportScores(const std::vector<std::string>& args)
{
    ArgParser p("import-scores", "Import a head-score file (" + scoreFormatNames(true) + ") as a session.");
    p.positional("FILE", "score file (a DuoAttention / RLKV pattern directory also works)")
        .option("out", "S.h5", "session to write", true)
        .option("format", "NAME", "the file's format (" + scoreFormatNames(true) + "); default: detected")
        .option("metric", "NAME", "metric the file holds (inf, dili, lazy, retrieval, reasoning, …); default: the "
                                  "section's metric for nested DiliLazyKV files, else retrieval")
        .option("section", "NAME", "section of a nested DiliLazyKV file");
    addModelShapeOptions(p);
    p.note("Give the model (--model DIR or --config config.json) so the file's shape is checked: layers, and whether "
           "its heads are query heads or KV heads.");
    if (!p.parse(args))
        return 0;
    if (p.positionals().size() != 1)
        throw UsageError("import-scores: give one score file");
    const ModelShapeArgs shape = modelShapeFromArgs(p);
    ScoreFileImportOptions o = importOptionsFor(shape);
    if (p.has("format"))
        o.format = scoreFormatForImport(p.value("format")).name;
    if (p.has("section"))
        o.section = p.value("section");
    ScoreImportRequest request;
    if (p.has("metric"))
        request.metric = parseHeadMetric(p.value("metric"));
    request.configJson = shape.configText;
    const ImportedScores r = importScoresAsSession(p.positionals()[0], p.value("out"), request, o);
    std::cout << "imported " << p.positionals()[0] << " (format " << r.format
              << (r.section.empty() ? "" : ", section " + r.section) << ")\n"
              << "  shape            " << r.matrix.layers << " layers × " << r.matrix.heads << " heads\n"
              << "  heads            " << r.shapeStatement << "\n";
    if (!shape.configPath.empty())
        std::cout << "  model            " << shape.configPath << "\n";
    if (!r.declaredModel.empty())
        std::cout << "  file's model     " << r.declaredModel << "\n";
    std::cout << "  missing heads    " << r.missingHeads << "\n"
              << "  values per head  " << r.minListLength
              << (r.minListLength == r.maxListLength ? "" : "…" + std::to_string(r.maxListLength)) << "\n"
              << "  key order        " << (r.canonicalOrder ? "canonical (layer-major)" : "OUT OF ORDER (mapped by key)") << "\n"
              << "  sha256           " << r.sha256 << "\n";
    for (const std::string& n : r.notes)
        std::cout << "  note: " << n << "\n";
    for (const std::string& w : r.warnings)
        std::cout << "  warning: " << w << "\n";
    std::cout << "wrote " << p.value("out") << "\n";
    return 0;
}

} // namespace headscope::cli
