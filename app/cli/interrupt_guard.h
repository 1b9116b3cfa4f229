#pragma once
// While an InterruptGuard lives, SIGINT (Ctrl-C), SIGTERM (kill, and what Slurm sends before it
// requeues or cancels a job) and SIGHUP (a closed terminal) request a stop on its token instead
// of killing the process, so long commands (probe, eval, train-demo-model) end cleanly: what is
// finished stays on disk. A second signal ends the process at once, as it would without the
// guard. The previous handlers are restored on destruction. One guard at a time.
#include <stop_token>

namespace headscope::cli {

class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    std::stop_token token() const { return m_stop.get_token(); }
    // The shell's status for a command stopped by the signal that arrived: 128 + its number
    // (130 after Ctrl-C, 143 after SIGTERM, 129 after SIGHUP).
    int exitCode() const;

private:
    std::stop_source m_stop;
    void (*m_previous[3])(int) = {};
};

} // namespace headscope::cli
