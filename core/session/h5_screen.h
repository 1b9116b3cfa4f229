#pragma once
// Files of HDF5's older format (superblock 0 or 1: sessions written before HeadScope moved to the
// checksummed format, the bundled sample session among them) carry no checksums on their metadata,
// and libhdf5 1.10 crashes on some damaged ones (docs/fuzzing.md). Before HeadScope opens such a
// file, a child process walks all of it (h5_walk.h); a crash or hang there refuses the file as
// damaged instead of taking the program down. Private to core/session/.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace headscope::h5 {

struct IsolatedRun {
    enum class Outcome { Finished, Crashed, Failed, TimedOut };
    Outcome outcome = Outcome::Finished;
    int signal = 0;   // the signal that ended the child, when Crashed
    int exitCode = 0; // when Failed: a sanitizer's report, or an exception out of `work`
};

// Runs `work` in a child process (fork) with stdout and stderr closed, the default action for
// crash signals, and no sanitizer death callback, and waits at most `timeout` for it, killing it
// then. The fork happens while this thread holds HDF5's API lock, so no other thread is inside the
// library at that moment and the child may call it. Throws LoadError when no process can be made.
IsolatedRun runIsolated(const std::function<void()>& work, std::chrono::milliseconds timeout);

// The time allowed to walk a file of `bytes`: generous, since a hang is the only thing it catches.
std::chrono::milliseconds walkTimeout(unsigned long long bytes);

// Walks `path` in a child process when its superblock is version 0 or 1 (once per unchanged
// file per process) and throws FormatError "<path>: damaged: …" naming the signal, the sanitizer
// report or the time limit when the walk did not finish.
// Files of the checksummed format return at once: HDF5 verifies their metadata before decoding it.
void screenOlderFormat(const std::filesystem::path& path);

} // namespace headscope::h5
