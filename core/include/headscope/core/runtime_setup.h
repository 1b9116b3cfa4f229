#pragma once
// Process-wide setup shared by the CLI, the GUI, tests and benchmarks so their timings
// are comparable: keep freed large blocks in the process (fresh pages cost ~10 µs each on
// the target VMs, dependencies.md §4.8).
namespace headscope {

// Sets glibc's mmap and trim thresholds. Idempotent; call first thing in main().
void configureAllocator();

// Number of cores this process may use (sched affinity), at least 1.
int availableCores();

} // namespace headscope
