#pragma once
// The shape check every score-file importer runs against the model's dimensions (layers, query
// heads, KV heads): one rule, one wording, so a file that does not fit the model fails naming
// the expected and the actual shape.
#include "headscope/core/score_file.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace headscope::detail {

struct FileShape {
    int layers = 0;            // layers the file defines (rows, keys) or the largest index + 1
    bool layersExact = true;   // false: a lower bound (head sets name only some layers)
    int heads = 0;             // values per layer, or the largest head index + 1
    bool headsExact = true;    // false: a lower bound
    HeadGranularity formatGranularity = HeadGranularity::QueryHead; // what the format defines
};

struct CheckedShape {
    int layers = 0;
    int heads = 0;
    HeadGranularity granularity = HeadGranularity::QueryHead;
    bool checked = false;
    std::string statement;
};

// Throws FormatError "<what> has shape A layers × B heads; the model has L layers, Q query heads,
// K KV heads (file: F)" when the file cannot belong to the model. Without model dimensions the
// file's own shape is kept and the statement says it was not checked.
CheckedShape checkFileShape(const FileShape& file, const ScoreFileImportOptions& model, const std::string& source,
                            std::string_view what);

// The imported result for a checked shape: format id, dimensions, granularity and the shape
// statement set, values sized layers × heads and zeroed, for the importer to fill.
ImportedScores importedScoresFor(const CheckedShape& shape, std::string format);

std::string describeModelShape(const ScoreFileImportOptions& model);

// Every score file is sized from the indices or counts it holds, so each is held to the model
// limits (kMaxModelLayers, kMaxModelHeads; docs/input_limits.md) before anything is allocated.
// Throws FormatError "<source>: <item>: layer index N is beyond the supported maximum of 1023 ...".
void checkIndexLimits(int64_t layer, int64_t head, const std::string& item, const std::string& source);

} // namespace headscope::detail
