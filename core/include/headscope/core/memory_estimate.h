#pragma once
// The memory a run needs, estimated from config.json, the dtypes and the context before
// anything is allocated, so a run that cannot fit is refused with a message naming the
// parts instead of being killed by the kernel. The parts and how they were measured are in
// docs/performance.md; bench_forward prints each estimate beside the measured peak.
#include "headscope/core/model_config.h"

#include <cstdint>
#include <string>

namespace headscope {

// Float32 attention scores of one prefill query block stay under this many bytes; the
// decoder sizes its query blocks by it and the estimate below counts it.
inline constexpr int64_t kScoreBlockBytes = int64_t(64) << 20;

struct MemoryRequest {
    int storedElementBytes = 4;  // bytes per weight as stored in the safetensors files
    int computeElementBytes = 4; // bytes per weight and activation in the compute dtype
    bool weightsInPlace = false; // weights are views of the mapped files (stored dtype == compute dtype)
    int64_t context = 0;         // positions the KV cache holds (prompt + new tokens); 0 = load only
    int64_t prefillChunk = 256;  // queries per prefill block
};

struct RunMemoryEstimate {
    int64_t weightBytes = 0;     // weights resident in the compute dtype (mapped pages or converted copies)
    int64_t conversionBytes = 0; // during load only: the stored tensor being converted (0 in place)
    int64_t kvCacheBytes = 0;    // full K and V for `context` positions
    int64_t scratchBytes = 0;    // one prefill chunk's activations, attention score blocks, logits
    int64_t total() const { return weightBytes + kvCacheBytes + scratchBytes; }
    // "weights 2.47 GB (mapped in place) + KV cache 0.13 GB + scratch 0.41 GB"; a converted
    // load adds "+ converting X" (the stored tensor being converted)
    std::string describe(bool inPlace) const;
};

RunMemoryEstimate estimateRunMemory(const ModelConfig& config, const MemoryRequest& request);

// Bytes this process can still allocate without the kernel reclaiming what it needs:
// MemAvailable from /proc/meminfo, lowered to the cgroup's limit (memory.max − memory.current
// + its reclaimable file pages) when one is set, minus this process's own resident file-backed
// pages (memory-mapped weights, which MemAvailable counts as reclaimable). -1 when unknown.
int64_t availableMemoryBytes();

// Peak resident set size of this process (VmHWM), in bytes; -1 when unknown.
int64_t peakResidentBytes();

// What availableMemoryBytes() measures, as requireMemory's messages name it.
inline constexpr const char* kMachineMemorySource = "MemAvailable, cgroup limit";

// Throws ResourceError when `needed` exceeds `available` (unknown availability passes):
// "<what> needs about X GB (parts) but only Y GB is available (<source>); <hint>", where
// `source` names the bound (the machine's memory, or a limit the user set).
void requireMemory(int64_t needed, int64_t available, const std::string& what, const std::string& parts,
                   const std::string& hint, const std::string& source = kMachineMemorySource);

// "2.47 GB" (decimal gigabytes, two decimals; whole MB below 1 GB, whole kB below 1 MB).
std::string formatBytes(int64_t bytes);

} // namespace headscope
