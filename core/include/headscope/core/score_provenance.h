#pragma once
// ScoreProvenance: where a [layers, heads] score map came from — the session or score file (with
// the sha256 of its bytes), the metric, and for sessions the gate, threshold and the subset of
// lengths and depths whose tests were averaged. Every file made from scores records it: budget
// JSON ("source"), exported head-score files (a sidecar, below) and the GUI's plot and table
// exports, so a result never depends on a setting the file does not state.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace headscope {

struct ScoreProvenance {
    enum class Kind { Session, ScoreFile };
    Kind kind = Kind::Session;
    std::string path;              // the session or score file
    std::string sha256;            // of that file's bytes ("" when not known)
    std::string metric;            // headMetricName, e.g. "inf", "retrieval"
    std::string gate = "none";     // sessions: the gate's name ("rouge1_recall", "qa_f1") or "none"
    double threshold = 0.0;        // with a gate: tests with a gate value above it were kept
    std::vector<int> lengths;      // sessions: context lengths averaged over; empty: all
    std::vector<double> depths;    // sessions: needle depths in percent; empty: all
    int testsAccepted = 0;         // tests behind the mean (0: unknown)
    int testsTotal = 0;            // tests in the source
    // A score file HeadScope exported: where its numbers came from (describe() of the
    // provenance it was exported with), so a budget made from it still names the session.
    std::string exportedFrom;

    // One line, e.g. "InfScore (inf) of session run.h5 sha256 3f2a9c01…, gate rouge1_recall > 50,
    // lengths all, depths 25,50: 12 of 27 tests".
    std::string describe() const;
    // The JSON object (compact text) budget files embed as "source" and sidecars hold.
    std::string toJson() const;
    // Parses toJson()'s object; FormatError naming `source`, the key, expected and found.
    static ScoreProvenance fromJson(std::string_view text, const std::string& source);

    friend bool operator==(const ScoreProvenance&, const ScoreProvenance&) = default;
};

// The sidecar beside an exported head-score file: "<file>.headscope.json". Formats such as
// HeadKV's one-line {"L-H": [...]} have no room for metadata (their loaders read every key as a
// head), so what the file holds is recorded next to it, with the sha256 of the exported bytes.
std::filesystem::path scoreSidecarPath(const std::filesystem::path& scoreFile);
// Writes the sidecar for `scoreFile` (already written): its provenance and the file's sha256.
void writeScoreSidecar(const std::filesystem::path& scoreFile, const ScoreProvenance& provenance);
// The provenance recorded for `scoreFile`, if a sidecar exists and was written for exactly these
// bytes. `note` (optional) says why a sidecar present was not used (the file changed since).
std::optional<ScoreProvenance> readScoreSidecar(const std::filesystem::path& scoreFile, std::string* note = nullptr);

} // namespace headscope
