#pragma once
// A budget sweep split into shards (sweep --shard i/n, e.g. one Slurm array task per shard) and
// joined again. The rule, the probe's and eval's: shard i of n takes the tests at positions
// i, i+n, i+2n, … of the sweep's list of tests. Each shard's file records i, n and the number of
// tests of the whole sweep, so the merge can put every test back at its position.
#include "headscope/core/sweep_results.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace headscope {

// UsageError unless 0 <= shardIndex < shardCount.
void validateSweepShard(int shardIndex, int shardCount);
// Tests of shard i/n when the sweep has testsTotal tests.
int64_t sweepShardSize(int64_t testsTotal, int shardIndex, int shardCount);

// sweep --resume. A sweep writes its file once, when its tests are done, so resuming means: when
// `file` already holds the results of the run `expected` describes (same manifest apart from the
// device it ran on), there is nothing left to do. Throws UsageError when `file` does not exist
// (start without --resume) or holds another run, naming the file, the first manifest key that
// differs, the expected and the actual value.
void checkSweepResume(const std::filesystem::path& file, const SweepResults& expected);

struct SweepMergeReport {
    int tests = 0;       // tests in the merged file (all of the sweep's)
    int shardCount = 1;
    bool upToDate = false; // `out` already held exactly this merge; nothing written
};

// Joins the shards of one sweep into `out` (shard 0/1 of the same tests). The inputs must share
// one manifest apart from shard_index and device; each shard index may appear once, each shard
// holds exactly its tests, and every shard must be there. An `out` that already holds this very
// merge is left as it is (upToDate); another sweep file there is replaced only with `replace`.
// UsageError naming the files, the manifest key, expected and actual values otherwise.
SweepMergeReport mergeSweepResults(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
                                   bool replace = false);

} // namespace headscope
