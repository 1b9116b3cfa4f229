#include "headscope/core/runtime_setup.h"

#include <climits>
#include <malloc.h> // mallopt, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
#include <sched.h>  // sched_getaffinity, CPU_COUNT
#include <thread>

namespace headscope {

void configureAllocator()
{
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

int availableCores()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw > 0 ? static_cast<int>(hw) : 1;
}

} // namespace headscope
