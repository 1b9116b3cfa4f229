// Run memory estimates and what the machine has available (docs/performance.md).
#include "headscope/core/memory_estimate.h"

#include "headscope/core/errors.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace headscope {

namespace {

// "Key:   12345 kB" lines of /proc/meminfo or /proc/self/status, in bytes; -1 if absent.
int64_t procKbField(const char* file, const std::string& key)
{
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(key, 0) == 0 && line.size() > key.size() && line[key.size()] == ':') {
            long long kb = -1;
            if (std::sscanf(line.c_str() + key.size() + 1, "%lld", &kb) == 1)
                return static_cast<int64_t>(kb) * 1024;
        }
    }
    return -1;
}

int64_t readNumber(const std::string& file)
{
    std::ifstream in(file);
    std::string text;
    if (!(in >> text) || text == "max")
        return -1;
    try {
        return static_cast<int64_t>(std::stoll(text));
    } catch (const std::exception&) {
        return -1;
    }
}

// cgroup v2: the limit left to this process's group, counting its page cache as reclaimable.
int64_t cgroupAvailable()
{
    std::ifstream self("/proc/self/cgroup");
    std::string line, group;
    while (std::getline(self, line))
        if (line.rfind("0::", 0) == 0)
            group = line.substr(3);
    if (group.empty())
        return -1;
    const std::string dir = "/sys/fs/cgroup" + (group == "/" ? std::string() : group);
    const int64_t limit = readNumber(dir + "/memory.max");
    const int64_t current = readNumber(dir + "/memory.current");
    if (limit < 0 || current < 0)
        return -1;
    int64_t file = 0;
    std::ifstream stat(dir + "/memory.stat");
    for (std::string key; stat >> key;) {
        long long value = 0;
        stat >> value;
        if (key == "file")
            file = value;
    }
    return std::max<int64_t>(0, limit - current + file);
}

} // namespace

RunMemoryEstimate estimateRunMemory(const ModelConfig& c, const MemoryRequest& r)
{
    RunMemoryEstimate e;
    const int64_t params = c.parameterCount();
    const int64_t b = r.computeElementBytes;
    e.weightBytes = params * b;
    if (!r.weightsInPlace) {
        // Tensors are converted one at a time; the largest is the embedding table (or an
        // MLP matrix), whose mapped source pages are resident while it is copied.
        const int64_t largest = std::max(c.vocabSize * c.hiddenSize, c.intermediateSize * c.hiddenSize);
        e.conversionBytes = largest * r.storedElementBytes;
    }
    e.kvCacheBytes = 2 * c.numLayers * c.numKvHeads * r.context * c.headDim * b;
    if (r.context > 0) {
        const int64_t n = std::max<int64_t>(1, std::min(r.prefillChunk, r.context));
        const int64_t qDim = c.numHeads * c.headDim, kvDim = c.numKvHeads * c.headDim;
        // One chunk's activations: residual, norms (float32 statistics), q/k/v, attention
        // output, gate/up/product of the MLP; each counted as float32 so it bounds both dtypes.
        const int64_t activations = n * (6 * c.hiddenSize + 3 * qDim + 2 * kvDim + 4 * c.intermediateSize) * 4;
        // Attention score blocks: float32 scores, probabilities and their compute-dtype copy
        // for a block of queries against every key, each block at most kScoreBlockBytes.
        const int64_t scores = std::min<int64_t>(kScoreBlockBytes, n * c.numHeads * r.context * 4) * 3;
        // Logits of the last position (float32) and their log-softmax.
        const int64_t logits = 2 * c.vocabSize * 4;
        e.scratchBytes = activations + scores + logits;
    }
    return e;
}

std::string formatBytes(int64_t bytes)
{
    char text[32];
    if (bytes >= 1000LL * 1000 * 1000)
        std::snprintf(text, sizeof text, "%.2f GB", static_cast<double>(bytes) / 1e9);
    else if (bytes >= 1000 * 1000)
        std::snprintf(text, sizeof text, "%.0f MB", static_cast<double>(bytes) / 1e6);
    else
        std::snprintf(text, sizeof text, "%.0f kB", static_cast<double>(bytes) / 1e3);
    return text;
}

std::string RunMemoryEstimate::describe(bool inPlace) const
{
    std::ostringstream os;
    os << "weights " << formatBytes(weightBytes) << (inPlace ? " (mapped in place)" : " (converted)");
    if (conversionBytes > 0)
        os << " + converting " << formatBytes(conversionBytes);
    if (kvCacheBytes > 0)
        os << " + KV cache " << formatBytes(kvCacheBytes);
    if (scratchBytes > 0)
        os << " + scratch " << formatBytes(scratchBytes);
    return os.str();
}

int64_t availableMemoryBytes()
{
    int64_t available = procKbField("/proc/meminfo", "MemAvailable");
    const int64_t group = cgroupAvailable();
    if (group >= 0)
        available = available < 0 ? group : std::min(available, group);
    if (available < 0)
        return -1;
    // Our own mapped weights are counted as reclaimable page cache above, but we need them.
    const int64_t ownFilePages = procKbField("/proc/self/status", "RssFile");
    return std::max<int64_t>(0, available - std::max<int64_t>(0, ownFilePages));
}

int64_t peakResidentBytes()
{
    return procKbField("/proc/self/status", "VmHWM");
}

void requireMemory(int64_t needed, int64_t available, const std::string& what, const std::string& parts,
                   const std::string& hint, const std::string& source)
{
    if (available < 0 || needed <= available)
        return;
    throw ResourceError(what + " needs about " + formatBytes(needed) + " (" + parts + ") but only " +
                        formatBytes(available) + " is available (" + source + "); " + hint);
}

} // namespace headscope
