// The table of headscope-cli subcommands: adding a command means one cmd_<name>.cpp, one
// declaration in commands.h and one row here (kept sorted by name; --help prints this order).
#include "commands.h"

namespace headscope::cli {

namespace {
constexpr CliCommand kCommands[] = {
    {"allocate", "per-head KV budgets from head scores (uniform, pyramid, headkv, dililazykv)",
     &runAllocate},
    {"compare", "full vs compressed cache side by side (divergence, KL, needle kept, time, bytes)",
     &runCompare},
    {"eval", "accuracy vs KV budget per method on LongBench / RULER JSONL against the full cache → HDF5",
     &runEval},
    {"eval-report", "summary of an eval results file (intervals, disagreements, kvpress export)",
     &runEvalReport},
    {"generate", "greedy generation (full or --budget compressed cache; --mask-heads for ablations)",
     &runGenerate},
    {"import-scores", "import a published head-score file (HeadKV, DuoAttention, QRHead, …) as a session",
     &runImportScores},
    {"info", "model card of a checkpoint (architecture, heads, parameters, dtype)",
     &runInfo},
    {"inspect", "manifest, test count and top heads of a session", &runInspect},
    {"make-tasks", "RULER-style synthetic tasks (needles, multi-key, variable tracking, common words) as JSONL",
     &runMakeTasks},
    {"make-test-model", "write a random-weight checkpoint in Hugging Face layout",
     &runMakeTestModel},
    {"merge", "join shards of one probe grid (or one eval run or sweep) into one file", &runMerge},
    {"probe", "needle-in-a-haystack head probe → HDF5 session", &runProbe},
    {"scores", "export a session's head scores (HeadKV, DuoAttention/kvpress, QRHead, LU-KV, CSV, …)",
     &runScores},
    {"sweep", "needle accuracy vs KV budget per allocation method → HDF5", &runSweep},
    {"tokenize", "encode text to token ids (or --decode ids)", &runTokenize},
    {"train-demo-model", "train the small bundled demo model on synthetic needle documents (CPU)",
     &runTrainDemo},
};
} // namespace

std::span<const CliCommand> commands()
{
    return kCommands;
}

} // namespace headscope::cli
