#pragma once
// Where a command's output goes: the one set of rules every writer follows (probe sessions,
// merged and imported sessions, sweep results, score and budget files, checkpoints).
//  * Something already at the path is replaced only when the caller allows it (`--force`), and
//    never by output of another kind: a session is not replaced by a score file, a checkpoint
//    directory not by a sweep, a directory not by a file. The message says what is there,
//    identified from its content (never from its name).
//  * Output is written to a staging path in the same directory and renamed into place by
//    commit(), so a write that fails or is interrupted leaves the old file (or nothing) behind,
//    never half of a new one; an uncommitted staging file or directory is removed when the
//    target is destroyed.
// Torch- and Qt-free (headscope_core); the CLI and the GUI use it alike.
#include <filesystem>
#include <string>
#include <string_view>

namespace headscope {

// What a command writes.
enum class OutputKind {
    Session,      // HDF5 probe session (probe, merge, import-scores)
    SweepResults, // HDF5 accuracy-vs-budget results (sweep)
    ScoreFile,    // head scores as JSON, CSV, TSV or .npy (scores, the GUI's export)
    ScoreDirectory, // a directory of head-score files (DuoAttention's pattern: full_attention_heads.tsv)
    BudgetFile,   // per-head budgets, JSON (allocate)
    TaskFile,     // generated evaluation tasks, JSONL (make-tasks)
    Checkpoint,   // a checkpoint directory: config.json, safetensors, tokenizer (make-test-model, train-demo-model)
    AnyFile,      // a file whose replacement the user has already confirmed (GUI save dialogs)
};

// What is at a path now, identified from its content.
enum class ExistingKind {
    Nothing,
    EmptyFile,
    EmptyDirectory,
    Session,        // HDF5 with /manifest and /tests
    SweepResults,   // HDF5 whose manifest says "headscope-sweep"
    Hdf5,           // another HDF5 file
    UnreadableHdf5, // HDF5 signature, but it cannot be opened (damaged, truncated)
    BudgetFile,     // JSON with "format": "headscope-budget"
    Json,           // other JSON (score files, reports)
    Text,           // other text (CSV)
    Binary,         // other bytes
    ScoreDirectory, // directory with full_attention_heads.tsv (a DuoAttention pattern)
    Checkpoint,     // directory with config.json or *.safetensors
    Directory,      // any other non-empty directory
    Stream,         // FIFO, character device, socket (/dev/stdout, /dev/null)
};

ExistingKind identifyExisting(const std::filesystem::path& path);
std::string describeExisting(ExistingKind kind); // "a probe session (HDF5)", "a directory", …
std::string describeOutput(OutputKind kind);     // "a probe session", "a head-score file", …

class OutputTarget {
public:
    // Checks at once — before the caller does any work — that `path` may receive output of
    // `kind`, and throws UsageError naming the path and what is there if not. With `replace`
    // an existing output of the same kind is replaced on commit(); without it, it is refused.
    OutputTarget(std::filesystem::path path, OutputKind kind, bool replace);
    ~OutputTarget(); // removes an uncommitted staging file or directory
    OutputTarget(const OutputTarget&) = delete;
    OutputTarget& operator=(const OutputTarget&) = delete;

    // The same checks without a target object, for an early refusal.
    static void validate(const std::filesystem::path& path, OutputKind kind, bool replace);

    const std::filesystem::path& path() const { return m_path; }
    OutputKind kind() const { return m_kind; }
    // What was at the path when the target was made (Nothing for a new output).
    ExistingKind existing() const { return m_existing; }

    // Where to write: a fresh name next to path() ("." + name + ".tmp-<pid>-<n>"). For a
    // directory kind it is an empty directory made here; for a file nothing is created. A stream
    // (FIFO, /dev/stdout) is written directly: staging() is path() and commit() renames nothing.
    const std::filesystem::path& staging();
    // Checks the path again (something may have appeared there meanwhile), makes the staged
    // data durable (fsync) and renames it into place. Throws WriteError (and removes the staged
    // data) if the rename fails; UsageError if the path may no longer be replaced.
    void commit();
    bool committed() const { return m_committed; }
    // Removes the staged data now (the destructor does the same).
    void discard();

private:
    std::filesystem::path m_path;
    OutputKind m_kind;
    bool m_replace;
    ExistingKind m_existing = ExistingKind::Nothing;
    std::filesystem::path m_staging;
    bool m_committed = false;
};

// Stages `text`, checks every write (a full disk is a WriteError naming the file, and the old
// file is kept), and commits.
void writeOutputText(OutputTarget& target, std::string_view text);

// The same for a file whose replacement is already decided: one inside an output being built
// (a checkpoint's staging directory) or one a user confirmed in a save dialog. Any file there
// is replaced (never a directory); a failed write is a WriteError and keeps it.
void writeFileReplacing(const std::filesystem::path& file, std::string_view text);

} // namespace headscope
