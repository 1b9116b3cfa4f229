#include "interrupt_guard.h"

#include <csignal>

namespace headscope::cli {

namespace {

constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

std::stop_source* g_active = nullptr;
volatile std::sig_atomic_t g_received = 0;

extern "C" void requestStop(int signal)
{
    if (g_received != 0) {
        // Asked twice: stop now, the way the signal would without a handler.
        std::signal(signal, SIG_DFL);
        std::raise(signal);
        return;
    }
    g_received = signal;
    if (g_active)
        g_active->request_stop();
}

} // namespace

InterruptGuard::InterruptGuard()
{
    g_received = 0;
    g_active = &m_stop;
    for (int i = 0; i < 3; ++i)
        m_previous[i] = std::signal(kSignals[i], requestStop);
}

InterruptGuard::~InterruptGuard()
{
    for (int i = 0; i < 3; ++i)
        std::signal(kSignals[i], m_previous[i] == SIG_ERR ? SIG_DFL : m_previous[i]);
    g_active = nullptr;
}

int InterruptGuard::exitCode() const
{
    return 128 + (g_received != 0 ? static_cast<int>(g_received) : SIGINT);
}

} // namespace headscope::cli
