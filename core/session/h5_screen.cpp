#include "h5_screen.h"

#include "h5_diagnose.h"
#include "h5_walk.h"

#include "headscope/core/errors.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <climits>
#include <fcntl.h>
#include <poll.h>
#include <mutex>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <tuple>
#include <unistd.h>

// Present only in sanitizer builds: a fuzzer's death callback must not run in the child (it would
// record the parent's input as a crash of its own).
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace headscope::h5 {

namespace {

constexpr int kWorkThrew = 125;
// What the walk may read of datasets' and attributes' values in all.
constexpr std::size_t kWalkDataBudget = std::size_t{256} << 20;
constexpr auto kSettledAfter = std::chrono::seconds(2);

[[noreturn]] void runChild(const std::function<void()>& work)
{
    // The default action for crash signals: the parent reads the signal from the exit status.
    // No core file: a crash here is an expected verdict, not a bug to keep.
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS})
        std::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const rlimit noCore{0, 0};
    setrlimit(RLIMIT_CORE, &noCore);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(nullptr);
    if (const int quiet = ::open("/dev/null", O_RDWR | O_CLOEXEC); quiet >= 0) {
        dup2(quiet, STDOUT_FILENO);
        dup2(quiet, STDERR_FILENO);
    }
    try {
        work();
    } catch (...) {
        _exit(kWorkThrew);
    }
    _exit(0); // no exit handlers: they belong to the parent (HDF5's would close its files)
}

struct ForkRequest {
    const std::function<void()>* work = nullptr;
    pid_t pid = -1;
    int error = 0;
};

// Called by H5Piterate, that is, while this thread holds HDF5's (recursive) API lock: no other
// thread is inside libhdf5, so the child's copy of its state is consistent and its lock is
// owned by the child's only thread, which may therefore call the library again.
herr_t forkHoldingTheLibrary(hid_t, const char*, void* data)
{
    auto* request = static_cast<ForkRequest*>(data);
    const pid_t pid = fork();
    if (pid == 0)
        runChild(*request->work);
    request->pid = pid;
    request->error = pid < 0 ? errno : 0;
    return 1; // one call is enough
}

std::string signalName(int sig)
{
    const char* abbrev = sigabbrev_np(sig);
    const char* description = sigdescr_np(sig);
    std::string name = abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
    if (description)
        name += ", " + std::string(description);
    return name;
}

// An unchanged file passes once per process: the GUI and the CLI open the same session more than
// once. The last few files that passed are kept, in place (no allocation per file checked).
// A file is known by device, inode, size and times; the file system stamps times from a clock
// that advances in ticks of a few milliseconds, so a file rewritten with the same size within one
// tick keeps its key. Like git's "racily clean" entries, a file modified less than
// kSettledAfter before its walk began is therefore walked again next time.
using FileKey = std::tuple<dev_t, ino_t, off_t, long long, long long>;
class PassedFiles {
public:
    bool contains(const FileKey& key)
    {
        const std::lock_guard lock(m_mutex);
        return std::find(m_keys.begin(), m_keys.begin() + static_cast<std::ptrdiff_t>(m_count), key) !=
               m_keys.begin() + static_cast<std::ptrdiff_t>(m_count);
    }
    void add(const FileKey& key)
    {
        const std::lock_guard lock(m_mutex);
        m_keys[m_next] = key;
        m_next = (m_next + 1) % m_keys.size();
        m_count = std::min(m_count + 1, m_keys.size());
    }

private:
    std::mutex m_mutex;
    std::array<FileKey, 32> m_keys{};
    std::size_t m_next = 0;
    std::size_t m_count = 0;
};
PassedFiles g_passed;

struct FileState {
    FileKey key;
    bool settled = false; // last changed at least kSettledAfter ago
};

std::optional<FileState> stateOf(const std::filesystem::path& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return std::nullopt;
    const long long modified = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    const long long changed = st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
    const long long now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    const long long settledNs = std::chrono::duration_cast<std::chrono::nanoseconds>(kSettledAfter).count();
    return FileState{{st.st_dev, st.st_ino, st.st_size, modified, changed}, std::max(modified, changed) + settledNs <= now};
}

// Waits for `pid` to end, at most `timeout`; false when it is still running then. A pidfd wakes
// this thread the moment the child ends; without one (a kernel before 5.3), polling does.
bool waitWithin(pid_t pid, std::chrono::milliseconds timeout, int& status)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // The system call itself: glibc 2.36's <sys/pidfd.h> declares pidfd_open without C linkage.
    if (const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); fd >= 0) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd ended{fd, POLLIN, 0};
            const int ready = left.count() > 0 ? poll(&ended, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX))) : 0;
            if (ready > 0)
                break;
            if (ready == 0 || errno != EINTR) {
                close(fd);
                return false;
            }
        }
        close(fd);
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR)
                throw LoadError(std::string("lost the process checking the file: ") + std::strerror(errno));
        }
        return true;
    }
    auto pause = std::chrono::microseconds(50);
    for (;;) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return true;
        if (done < 0 && errno != EINTR)
            throw LoadError(std::string("lost the process checking the file: ") + std::strerror(errno));
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(pause);
        pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
    }
}

} // namespace

IsolatedRun runIsolated(const std::function<void()>& work, std::chrono::milliseconds timeout)
{
    ForkRequest request;
    request.work = &work;
    Handle props(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
    if (!props.valid())
        throw LoadError("HDF5 cannot create a property list (" + errorDetail() + ")");
    H5Piterate(props.get(), nullptr, forkHoldingTheLibrary, &request);
    if (request.pid < 0)
        throw LoadError(std::string("cannot start a process to check the file: ") +
                        (request.error ? std::strerror(request.error) : "HDF5 did not call back"));

    int status = 0;
    if (!waitWithin(request.pid, timeout, status)) {
        kill(request.pid, SIGKILL);
        while (waitpid(request.pid, &status, 0) < 0 && errno == EINTR) {
        }
        return {IsolatedRun::Outcome::TimedOut, 0, 0};
    }
    if (WIFSIGNALED(status))
        return {IsolatedRun::Outcome::Crashed, WTERMSIG(status), 0};
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return {IsolatedRun::Outcome::Failed, 0, WEXITSTATUS(status)};
    return {};
}

std::chrono::milliseconds walkTimeout(unsigned long long bytes)
{
    // 10 s, and a minute more per GiB: far beyond what reading the file's metadata and values
    // takes (70 ms for the 233 KB sample session of 75 tests on a 2-core machine).
    return std::chrono::milliseconds(10000 + static_cast<long long>(bytes >> 30) * 60000);
}

void screenOlderFormat(const std::filesystem::path& path)
{
    const std::optional<int> version = superblockVersion(path);
    if (!version || *version >= 2)
        return;
    const std::optional<FileState> state = stateOf(path);
    if (!state)
        return; // the open that follows says why the file cannot be read
    if (g_passed.contains(state->key))
        return;
    const auto bytes = static_cast<unsigned long long>(std::get<2>(state->key));
    const auto timeout = walkTimeout(bytes);
    const IsolatedRun run = runIsolated([&path] { walkWholeFile(path, kWalkDataBudget); }, timeout);
    const std::string why = "; found by a separate process that reads files of HDF5's older format (superblock " +
                            std::to_string(*version) + ", no checksums on the metadata) before they are opened";
    switch (run.outcome) {
    case IsolatedRun::Outcome::Finished:
        if (state->settled)
            g_passed.add(state->key);
        return;
    case IsolatedRun::Outcome::Crashed:
        throw FormatError(path.string() + ": damaged: its metadata crashes the HDF5 library (" + signalName(run.signal) +
                          ")" + why);
    case IsolatedRun::Outcome::Failed:
        if (run.exitCode == kWorkThrew)
            throw FormatError(path.string() + ": its metadata could not be checked (the check ran out of memory)" + why);
        throw FormatError(path.string() + ": damaged: reading its metadata fails a memory check inside the HDF5 library (exit status " +
                          std::to_string(run.exitCode) + ", a sanitizer's report)" + why);
    case IsolatedRun::Outcome::TimedOut:
        throw FormatError(path.string() + ": damaged: the HDF5 library did not finish reading its metadata within " +
                          std::to_string(timeout.count() / 1000) + " s" + why);
    }
}

} // namespace headscope::h5
