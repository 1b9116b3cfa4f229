#include "h5_older_format.h"

#include "h5_diagnose.h"
#include "h5_format_copy.h"

#include "headscope/core/errors.h"

#include <hdf5.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <climits>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

// Present only in sanitizer builds: a fuzzer's death callback must not run in the child (it would
// record the parent's input as a crash of its own).
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace headscope::h5 {

namespace {

constexpr int kWorkThrew = 125;
// The most memory the copy holds values in at once.
constexpr std::size_t kCopyBudget = std::size_t{1} << 30;

[[noreturn]] void runChild(const std::function<int()>& work)
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
    int code = kWorkThrew;
    try {
        code = work();
    } catch (...) {
    }
    _exit(code); // no exit handlers: they belong to the parent (HDF5's would close its files)
}

struct ForkRequest {
    const std::function<int()>* work = nullptr;
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

// Exit codes of the copying child.
constexpr int kComplete = 0;
constexpr int kPartial = 10;
constexpr int kSourceUnreadable = 11;
constexpr int kTargetFailed = 12;

int exitCodeOf(CopyOutcome outcome)
{
    switch (outcome) {
    case CopyOutcome::Complete:
        return kComplete;
    case CopyOutcome::Partial:
        return kPartial;
    case CopyOutcome::SourceUnreadable:
        return kSourceUnreadable;
    case CopyOutcome::TargetFailed:
        break;
    }
    return kTargetFailed;
}

// A name no other file has: beside the file when it will replace it (a rename stays within one
// file system), else in the temporary directory.
std::filesystem::path copyPathFor(const std::filesystem::path& path, bool beside)
{
    static std::atomic<unsigned> counter{0};
    const std::string name = "." + path.filename().string() + ".headscope-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter++) + ".h5";
    std::error_code ec;
    const std::filesystem::path folder = beside ? path.parent_path() : std::filesystem::temp_directory_path(ec);
    return (folder.empty() ? std::filesystem::path(".") : folder) / name;
}

struct RemoveOnExit {
    std::filesystem::path path;
    ~RemoveOnExit()
    {
        std::error_code ec;
        if (!path.empty())
            std::filesystem::remove(path, ec);
    }
};

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

IsolatedRun runIsolated(const std::function<int()>& work, std::chrono::milliseconds timeout)
{
    ForkRequest request;
    request.work = &work;
    Handle props(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
    if (!props.valid())
        throw LoadError("HDF5 cannot create a property list (" + errorDetail() + ")");
    H5Piterate(props.get(), nullptr, forkHoldingTheLibrary, &request);
    if (request.pid < 0)
        throw LoadError(std::string("cannot start a process to copy the older-format file: ") +
                        (request.error ? std::strerror(request.error) : "HDF5 did not call back"));

    int status = 0;
    if (!waitWithin(request.pid, timeout, status)) {
        kill(request.pid, SIGKILL);
        while (waitpid(request.pid, &status, 0) < 0 && errno == EINTR) {
        }
        return {IsolatedRun::Outcome::TimedOut, 0, 0};
    }
    if (WIFSIGNALED(status))
        return {IsolatedRun::Outcome::Crashed, 0, WTERMSIG(status)};
    return {IsolatedRun::Outcome::Exited, WEXITSTATUS(status), 0};
}

std::chrono::milliseconds copyTimeout(unsigned long long bytes)
{
    // 10 s, and a minute more per GiB: far beyond what copying takes (the 233 KB sample session
    // of 75 tests: about 0.1 s; a 192 MB file: 1 s, on a 2-core machine).
    return std::chrono::milliseconds(10000 + static_cast<long long>(bytes >> 30) * 60000);
}

bool isOlderFormat(const std::filesystem::path& path)
{
    const std::optional<int> version = superblockVersion(path);
    return version && (*version == 0 || *version == 1);
}

std::optional<Handle> openThroughCopy(const std::filesystem::path& path, unsigned flags, bool lock)
{
    namespace fs = std::filesystem;
    const bool writing = flags == H5F_ACC_RDWR;
    const fs::path copy = copyPathFor(path, writing);
    std::error_code ec;
    const auto bytes = fs::file_size(path, ec);
    const std::chrono::milliseconds timeout = copyTimeout(ec ? 0 : bytes);
    const IsolatedRun run =
        runIsolated([&] { return exitCodeOf(copyIntoCurrentFormat(path, copy, kCopyBudget)); }, timeout);
    RemoveOnExit cleanup{copy};
    const std::string how = "; found by a separate process copying this file of HDF5's older format (superblock " +
                            std::to_string(superblockVersion(path).value_or(0)) +
                            ", no checksums on its metadata) into the current format";
    switch (run.outcome) {
    case IsolatedRun::Outcome::Crashed:
        throw FormatError(path.string() + ": damaged: its metadata crashes the HDF5 library (" + signalName(run.signal) +
                          ")" + how);
    case IsolatedRun::Outcome::TimedOut:
        throw FormatError(path.string() + ": damaged: the HDF5 library did not finish reading its metadata within " +
                          std::to_string(timeout.count() / 1000) + " s" + how);
    case IsolatedRun::Outcome::Exited:
        break;
    }
    switch (run.exitCode) {
    case kComplete:
        break;
    case kPartial:
        if (writing)
            throw FormatError(path.string() + ": damaged: parts of it cannot be read" + how +
                              "; it was left unchanged and cannot be written to");
        break; // the reader names what is missing
    case kSourceUnreadable:
        return std::nullopt;
    case kTargetFailed:
        throw WriteError(copy.string() + ": cannot write the current-format copy of " + path.string() +
                         " (is the disk full or the folder read-only?)");
    case kWorkThrew:
        throw LoadError(path.string() + ": the copy into the current format stopped on an error (out of memory?)");
    default:
        throw FormatError(path.string() + ": damaged: reading its metadata fails a memory check inside the HDF5 library (exit status " +
                          std::to_string(run.exitCode) + ")" + how);
    }
    if (writing) {
        // Renamed over the original only now that it holds everything: the session keeps its name
        // and permissions, and a crash at any moment leaves either file whole.
        fs::permissions(copy, fs::status(path, ec).permissions(), ec);
        fs::rename(copy, path, ec);
        if (ec)
            throw WriteError(path.string() + ": cannot replace it by its current-format copy: " + ec.message());
        cleanup.path.clear();
        const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        return id < 0 ? std::nullopt : std::optional<Handle>(Handle(id, &H5Fclose));
    }
    Handle access(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
    H5Pset_file_locking(access.get(), lock, true);
    const hid_t id = H5Fopen(copy.c_str(), H5F_ACC_RDONLY, access.get());
    if (id < 0)
        throw LoadError(copy.string() + ": cannot open the current-format copy of " + path.string() + " (" +
                        errorDetail() + ")");
    return Handle(id, &H5Fclose); // the copy's name is removed now; the open file stays readable
}

} // namespace headscope::h5
