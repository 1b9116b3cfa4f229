#pragma once
// Files of HDF5's older format (superblock 0 or 1: sessions, eval and sweep results written before
// HeadScope moved to the checksummed format; the bundled sample session is one) carry no checksums
// on their metadata, and libhdf5 1.10 crashes on some damaged ones — and how it fails depends on
// the order of its reads and on what its memory held (docs/fuzzing.md). So this process never
// decodes them: a child process copies such a file into the checksummed format
// (h5_format_copy.h), and HeadScope opens the copy. A crash or hang in the child refuses the file
// as damaged. Private to core/session/.
#include "h5_util.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace headscope::h5 {

struct IsolatedRun {
    enum class Outcome { Exited, Crashed, TimedOut };
    Outcome outcome = Outcome::Exited;
    int exitCode = 0; // when Exited: what `work` returned (or a sanitizer's exit status)
    int signal = 0;   // when Crashed: the signal that ended the child
};

// Runs `work` in a child process (fork) with stdout and stderr closed, the default action for
// crash signals, no core file and no sanitizer death callback, and waits at most `timeout` for
// it, killing it then. The child exits with what `work` returns (125 if it throws). The fork
// happens while this thread holds HDF5's API lock, so that no other thread is inside the library
// at that moment and the child may call it. Throws LoadError when no process can be made.
IsolatedRun runIsolated(const std::function<int()>& work, std::chrono::milliseconds timeout);

// The time allowed to copy a file of `bytes`: generous, since a hang is the only thing it catches.
std::chrono::milliseconds copyTimeout(unsigned long long bytes);

// Superblock 0 or 1.
bool isOlderFormat(const std::filesystem::path& path);

// Opens an older-format file through a copy in the checksummed format, made by a child process:
// read-only, the copy is made in the temporary directory and unlinked once open (`lock`: take
// HDF5's file lock on it); H5F_ACC_RDWR, the copy is made beside the file and renamed over it
// (only when complete: nothing of the original is lost), then the file is opened for writing.
// Throws FormatError "<path>: damaged: …" when the child crashes (naming the signal), fails a
// sanitizer's check, or does not finish in copyTimeout; WriteError when the copy cannot be
// written. Returns nullopt when libhdf5 cannot open the source at all (the caller explains why).
std::optional<Handle> openThroughCopy(const std::filesystem::path& path, unsigned flags, bool lock);

} // namespace headscope::h5
