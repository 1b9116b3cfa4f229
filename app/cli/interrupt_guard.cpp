#include "interrupt_guard.h"

#include <csignal>

namespace headscope::cli {

namespace {

std::stop_source* g_active = nullptr;

extern "C" void requestStop(int)
{
    if (g_active)
        g_active->request_stop();
}

} // namespace

InterruptGuard::InterruptGuard()
{
    g_active = &m_stop;
    m_previous = std::signal(SIGINT, requestStop);
}

InterruptGuard::~InterruptGuard()
{
    std::signal(SIGINT, m_previous == SIG_ERR ? SIG_DFL : m_previous);
    g_active = nullptr;
}

} // namespace headscope::cli
