#pragma once
// Splitting a run into shards (--shard i/n, e.g. one Slurm array task each). The one rule for
// probe grids, eval examples and budget sweeps: shard i of n takes the items at positions
// i, i+n, i+2n, … of the run's list.
#include <cstdint>

namespace headscope {

// The shard of n that the item at `position` belongs to.
inline int shardOf(int64_t position, int shardCount)
{
    return static_cast<int>(position % shardCount);
}

inline bool inShard(int64_t position, int shardIndex, int shardCount)
{
    return shardOf(position, shardCount) == shardIndex;
}

} // namespace headscope
