#pragma once
// Process-wide setup shared by the CLI, the GUI, tests and benchmarks so their timings
// are comparable: keep freed large blocks in the process instead of returning them to the OS,
// because on the target VMs every fresh 4 KiB page costs about 10 µs to fault in, so a new
// 64 MiB tensor costs ~0.18 s while a reused one costs ~0.007 s.
namespace headscope {

// Sets glibc's mmap and trim thresholds. Idempotent; call first thing in main().
void configureAllocator();

// Number of cores this process may use (sched affinity), at least 1.
int availableCores();

} // namespace headscope
