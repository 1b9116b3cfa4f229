#pragma once
// While an InterruptGuard lives, Ctrl-C (SIGINT) requests a stop on its token instead of
// killing the process, so long commands (probe, train-demo-model) end cleanly: what is finished
// stays on disk. The previous handler is restored on destruction. One guard at a time.
#include <stop_token>

namespace headscope::cli {

class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    std::stop_token token() const { return m_stop.get_token(); }

private:
    std::stop_source m_stop;
    void (*m_previous)(int) = nullptr;
};

} // namespace headscope::cli
