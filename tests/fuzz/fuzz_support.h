#pragma once
// Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.cpp). A harness feeds one input to one
// reader; headscope::Error is the expected way to refuse bad input, anything else escaping
// (another exception, a signal, a sanitizer report) is a bug libFuzzer reports.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace headscope::fuzz {

// A directory of this process's own (libFuzzer's -fork/-jobs run several processes at once),
// under /dev/shm (else $TMPDIR or /tmp), created on first use and removed when the process exits
// normally.
inline const std::filesystem::path& scratchDir()
{
    static const std::filesystem::path dir = [] {
        // Memory-backed when possible: a harness writes its input to a file every execution,
        // 30x slower on a disk-backed /tmp.
        const char* tmp = std::getenv("TMPDIR");
        std::error_code ec;
        const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0
                                               ? std::filesystem::path("/dev/shm")
                                               : std::filesystem::path(tmp && *tmp ? tmp : "/tmp");
        std::filesystem::path d = base / ("headscope-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratchDir(), ec);
        });
        return d;
    }();
    return dir;
}

inline void writeFile(const std::filesystem::path& p, std::string_view bytes)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "fuzz harness: cannot write %s\n", p.c_str());
        std::abort();
    }
}

inline std::string_view asText(const uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// A property the reader promises; a violation is a bug even without a crash.
#define HEADSCOPE_FUZZ_CHECK(cond)                                                                                     \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond);                        \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (false)

} // namespace headscope::fuzz
